"""Language-neutral pieces of reading values aloud: rounding money, grouping digit strings."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

_SEPARATORS = re.compile(r"[^0-9A-Za-z]+")


def to_fen(value: Decimal | int | float | str) -> int:
    """An amount in yuan as a whole number of fen, rounded half up as a bill is."""
    amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_seconds(value: timedelta | int | float) -> int:
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 0:
        raise ValueError(f"negative duration: {value!r}")
    return round(seconds)


def digit_groups(value: str) -> list[str]:
    """Split a ticket, phone or account number into the groups a person pauses between.

    Written separators (`-`, spaces, `+`) mark groups. A long unbroken run is split the way such
    numbers are usually said: a Chinese mobile number 3-4-4, a letter prefix on its own, anything
    else in fours.
    """
    groups: list[str] = []
    for chunk in _SEPARATORS.split(value.upper()):
        if not chunk:
            continue
        prefix = re.match(r"[A-Z]+(?=\d)", chunk)
        if prefix:
            groups.append(prefix.group())
            chunk = chunk[prefix.end() :]
        groups.extend(_split_run(chunk))
    if not groups:
        raise ValueError(f"no digits to read in {value!r}")
    return groups


def _split_run(run: str) -> list[str]:
    if len(run) <= 6 or not run.isdigit():
        return [run]
    if len(run) == 11 and run.startswith("1"):
        return [run[:3], run[3:7], run[7:]]
    if len(run) == 13 and run.startswith("861"):  # +86 mobile written without the plus
        return ["86", *_split_run(run[2:])]
    return [run[i : i + 4] for i in range(0, len(run), 4)]
