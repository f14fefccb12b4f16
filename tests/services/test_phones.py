from __future__ import annotations

import pytest

from ivr.masking import mask_account, mask_phone
from ivr.services.phones import is_e164, normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "+8613800138000"),
        ("+8613800138000", "+8613800138000"),
        ("008613800138000", "+8613800138000"),
        ("8613800138000", "+8613800138000"),
        (" 138-0013-8000 ", "+8613800138000"),
        ("010-12345678", "+861012345678"),
        ("02583001234", "+862583001234"),
        ("+442079460123", "+442079460123"),
        ("(010) 1234 5678", "+861012345678"),
        ("+86.138.0013.8000", "+8613800138000"),
    ],
)
def test_normalize_phone(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", None, "anonymous", "12345", "1380013800", "+86 000"])
def test_normalize_phone_refuses_what_is_not_a_number(raw: str | None) -> None:
    assert normalize_phone(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        "abc+8613800138000",  # junk before the number: the library would skip it
        "+8613800138000abc",
        "tel:+8613800138000",  # a URI is not a caller id (see ivr/services/phones.py)
        "tel:+86-138-0013-8000;ext=99",
        "sip:+8613800138000@carrier",
        "+8613800138000 ext 99",  # an extension: not the customer's own line
        "+8613800138000 x99",
        "+8613800138000;ext=99",
        "138\n00138000",
        "１３８００１３８０００",  # full-width digits
        "+86+13800138000",
    ],
)
def test_what_is_more_than_a_phone_number_is_not_normalised_into_one(raw: str) -> None:
    assert normalize_phone(raw) is None


def test_is_e164_wants_the_canonical_form() -> None:
    assert is_e164("+8613800138000")
    assert not is_e164("13800138000")
    assert not is_e164("+86 138 0013 8000")


def test_masks() -> None:
    assert mask_phone("+8613800138000") == "+86138****8000"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("123") == "***"
    assert mask_phone(None) == "-"
    assert mask_account("5100012345") == "51******45"
    assert mask_account("123") == "***"
    assert mask_account(None) == "-"
