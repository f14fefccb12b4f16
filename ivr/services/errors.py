"""Errors the services raise for callers (flows, the API, the importer) to report."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


class ValidationError(ValueError):
    """A value given to a service is wrong; `field` names it as the API and CSV files do."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(LookupError):
    """The work order, outage or token asked for does not exist."""


def parse_choice(enum: type[E], field: str, value: str) -> E:
    """`value` as a member of `enum`; a `ValidationError` naming `field` and the choices if not."""
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise ValidationError(field, f"{value!r} is not one of {choices}") from None


class Conflict(Exception):
    """The change does not fit the record's state, or another change got there first (409)."""
