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
    ],
)
def test_normalize_phone(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", None, "anonymous", "12345", "1380013800", "+86 000"])
def test_normalize_phone_refuses_what_is_not_a_number(raw: str | None) -> None:
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
