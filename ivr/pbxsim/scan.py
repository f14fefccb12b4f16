"""Integer arguments read as res_agi's C reads them (`sscanf("%d")`, `atoi`)."""

from __future__ import annotations

import re

_INT = re.compile(r"\s*[+-]?\d+")


def scan_int(text: str) -> int | None:
    """C's `sscanf("%d")`: a leading integer, or None."""
    match = _INT.match(text)
    return int(match.group()) if match else None


def atoi(text: str) -> int:
    """C's `atoi`: a leading integer, or 0."""
    return scan_int(text) or 0
