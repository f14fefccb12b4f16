"""Phone numbers: normalising what callers and exports contain to E.164.

Caller ids arrive in every shape Asterisk and carriers produce (`13800138000`, `+8613800138000`,
`008613800138000`, `8613800138000`, `010-12345678`); customer records hold E.164. Matching a
caller to a customer only works once both sides are in the same form.

Only text that is a phone number and nothing else is normalised: digits, an optional leading
`+` and the separators people write (space, `-`, `.`, brackets). The phone library alone is
lenient (it skips leading junk such as `abc+86...`, reads `tel:` URIs and drops `ext 99`),
and a caller id matching a customer's number verifies the caller for their bill and address:
anything more than a number must leave the caller unidentified. `tel:` URIs are refused on
purpose: Asterisk hands the IVR the number itself (the user part of the SIP URI), so a `tel:`
in a caller id means something upstream wrote the field by hand, and a URI's parameters
(`;ext=`, `;phone-context=`, `;isub=`) say the number is not exactly the customer's line.
"""

from __future__ import annotations

import re

import phonenumbers

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PLAIN_NUMBER = re.compile(r"\+?[0-9 ().\-]+")


def normalize_phone(raw: str | None, region: str = "CN") -> str | None:
    """`raw` in E.164 (national numbers read as in `region`); None when it is not a valid number."""
    if not raw:
        return None
    text = raw.strip()
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    candidates = [text]
    if text[:1].isdigit() and not text.startswith("0"):
        # Some trunks deliver the country code without `+` (`8613800138000`).
        candidates.append("+" + text)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and not number.extension:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def is_e164(value: str) -> bool:
    """True when `value` is already a valid number written in E.164 (`+` and digits only)."""
    return bool(_E164.match(value)) and normalize_phone(value) == value
