"""Phone numbers: normalising what callers and exports contain to E.164, and masking for logs.

Caller ids arrive in every shape Asterisk and carriers produce (`13800138000`, `+8613800138000`,
`008613800138000`, `8613800138000`, `010-12345678`); customer records hold E.164. Matching a
caller to a customer only works once both sides are in the same form.
"""

from __future__ import annotations

import re

import phonenumbers

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def normalize_phone(raw: str | None, region: str = "CN") -> str | None:
    """`raw` in E.164 (national numbers read as in `region`); None when it is not a valid number."""
    if not raw:
        return None
    text = raw.strip()
    candidates = [text]
    if text[:1].isdigit() and not text.startswith("0"):
        # Some trunks deliver the country code without `+` (`8613800138000`).
        candidates.append("+" + text)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def is_e164(value: str) -> bool:
    """True when `value` is already a valid number written in E.164 (`+` and digits only)."""
    return bool(_E164.match(value)) and normalize_phone(value) == value


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
