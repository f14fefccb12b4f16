"""Personal numbers fit for logs and for staff who do not need them whole.

A leaf module (no imports of the hotline's own) so that every layer, the FastAGI server
included, masks the same way.
"""

from __future__ import annotations


def mask_phone(value: str | None) -> str:
    """A phone number fit for logs: `+8613800138000` -> `+86138****8000`."""
    if not value:
        return "-"
    digits = value.lstrip("+")
    plus = "+" if value.startswith("+") else ""
    if len(digits) < 8:
        return plus + "*" * len(digits)
    head = 5 if plus and digits.startswith("86") else 3
    head = min(head, len(digits) - 6)
    return plus + digits[:head] + "*" * (len(digits) - head - 4) + digits[-4:]


def mask_account(value: str | None) -> str:
    """An account number fit for logs: `5100012345` -> `51******45`."""
    if not value:
        return "-"
    if len(value) < 6:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def mask_keys(value: str) -> str:
    """What a caller keyed in (an account, digits of a phone), fit for logs: every digit
    becomes `*`, so the length and any non-digit a faulty reply carried stay visible."""
    return "".join("*" if ch.isdigit() else ch for ch in value[:80])
