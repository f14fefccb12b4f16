"""Parsers for the values CSV exports carry. Each returns the value or raises `FieldError`."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

from ivr.importer.errors import FieldError
from ivr.services.phones import is_e164

_ACCOUNT = re.compile(r"^[0-9]{10}$")  # ASCII digits: what a keypad can enter
_PERIOD = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_EXTENSION = re.compile(r"^[0-9]{2,10}$")  # as the PBX configuration generator accepts
MONEY_LIMIT = Decimal("1000000000000")

E = TypeVar("E", bound=StrEnum)


def account(value: str) -> str:
    if not _ACCOUNT.match(value):
        raise FieldError(f"{value!r} is not a 10-digit account number")
    return value


def text(value: str, max_length: int = 200) -> str:
    if not value:
        raise FieldError("must not be empty")
    if len(value) > max_length:
        raise FieldError(f"longer than {max_length} characters")
    return value


def identifier(value: str) -> str:
    if not _IDENT.match(value):
        raise FieldError(f"{value!r}: 1-64 letters, digits, '_', '.' or '-' expected")
    return value


def extension(value: str) -> str:
    if not _EXTENSION.match(value):
        raise FieldError(f"{value!r} is not a dialable extension (digits only)")
    return value


def phone(value: str) -> str:
    if not is_e164(value):
        raise FieldError(f"{value!r} is not a phone number in E.164 (like +8613800138000)")
    return value


def optional_phone(value: str) -> str | None:
    return phone(value) if value else None


def choice(value: str, enum: type[E]) -> E:
    try:
        return enum(value)
    except ValueError:
        choices = " | ".join(m.value for m in enum)
        raise FieldError(f"{value!r} is not one of {choices}") from None


def choices(value: str, enum: type[E]) -> list[E]:
    """A `;`-separated list of at least one enum value."""
    items = [item.strip() for item in value.split(";") if item.strip()]
    if not items:
        raise FieldError(f"at least one of {' | '.join(m.value for m in enum)} expected")
    return sorted({choice(item, enum) for item in items})


def ordered_choices(value: str, enum: type[E]) -> list[E]:
    """Like `choices`, keeping the file's order (first wins on a repeat): for ranked lists."""
    items = [item.strip() for item in value.split(";") if item.strip()]
    if not items:
        raise FieldError(f"at least one of {' | '.join(m.value for m in enum)} expected")
    return list(dict.fromkeys(choice(item, enum) for item in items))


def names(value: str) -> list[str]:
    """A `;`-separated list, possibly empty."""
    return [item.strip() for item in value.split(";") if item.strip()]


def boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise FieldError(f"{value!r}: true or false expected")


def aware_datetime(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise FieldError(
            f"{value!r} is not an ISO 8601 date and time (like 2025-11-25T09:00:00+08:00)"
        ) from None
    if parsed.tzinfo is None:
        raise FieldError(f"{value!r} has no UTC offset (write it like 2025-11-25T09:00:00+08:00)")
    return parsed


def optional_datetime(value: str) -> datetime | None:
    return aware_datetime(value) if value else None


def period(value: str) -> str:
    if not _PERIOD.match(value):
        raise FieldError(f"{value!r} is not a billing period YYYY-MM")
    return value


def iso_date(value: str) -> date:
    try:
        if not _DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError(f"{value!r} is not a date YYYY-MM-DD") from None


def amount(value: str) -> Decimal:
    """A non-negative decimal with at most two places (money in yuan, or kWh)."""
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        raise FieldError(f"{value!r} is not a decimal number") from None
    if not parsed.is_finite() or parsed < 0 or parsed >= MONEY_LIMIT:
        raise FieldError(f"{value!r} is out of range")
    exponent = parsed.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise FieldError(f"{value!r} has more than two decimal places")
    return parsed.quantize(Decimal("0.01"))
