"""Errors the services raise for callers (flows, the API, the importer) to report."""

from __future__ import annotations


class ValidationError(ValueError):
    """A value given to a service is wrong; `field` names it as the API and CSV files do."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(LookupError):
    """The work order, outage or token asked for does not exist."""
