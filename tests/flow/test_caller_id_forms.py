"""A caller id that is more than a phone number never identifies (and so verifies) a customer."""

from __future__ import annotations

import pytest

from ivr.db.session import Database
from tests.conftest import CustomerFactory
from tests.hotline import Dial, add_bills

ADDRESS = "江宁市城东建设路12号"


@pytest.mark.parametrize(
    "caller", ["abc+8613800138000", "tel:+8613800138000", "+8613800138000 ext 99",
               "+8613800138000;ext=99"])
async def test_a_caller_id_with_more_than_the_number_hears_no_bill_or_address(
    call: Dial, db: Database, add_customer: CustomerFactory, caller: str
) -> None:
    await add_customer()
    await add_bills(db)
    t = await call("3", "", caller=caller)
    assert not any("元" in p for p in t.prompts)
    assert not any(ADDRESS in p for p in t.prompts)
    assert any(p.startswith("请输入") for p in t.prompts)  # asked for the account instead


async def test_the_plain_number_still_identifies_the_customer(
    call: Dial, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()
    await add_bills(db)
    t = await call("3", "", caller="+86 138-0013-8000")
    assert any(p.startswith("您的账户当前欠费") for p in t.prompts)
