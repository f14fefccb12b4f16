from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ivr.db.enums import CustomerClass, Language
from ivr.db.session import Database
from ivr.services.customers import Customers

AddCustomer = Callable[..., Awaitable[Any]]


async def test_by_phone_normalises_the_caller_id(db: Database, add_customer: AddCustomer) -> None:
    await add_customer(key_customer=True, manager_phone="+8613912345678")
    customers = Customers(db)
    for raw in ("13800138000", "+8613800138000", "008613800138000", "8613800138000"):
        found = await customers.by_phone(raw)
        assert found is not None and found.account == "5100012345", raw
    assert found is not None
    assert found.customer_class is CustomerClass.RESIDENTIAL
    assert found.language is Language.ZH_CN
    assert found.key_customer and found.manager_phone == "+8613912345678"
    assert await customers.by_phone("13900000000") is None
    assert await customers.by_phone("anonymous") is None
    assert await customers.by_phone(None) is None


async def test_a_phone_shared_by_accounts_identifies_nobody(
    db: Database, add_customer: AddCustomer
) -> None:
    await add_customer(account="5100000001")
    await add_customer(account="5100000002")
    customers = Customers(db)
    assert await customers.by_phone("13800138000") is None
    assert [c.account for c in await customers.all_by_phone("13800138000")] == [
        "5100000001",
        "5100000002",
    ]


async def test_by_account_and_last4(db: Database, add_customer: AddCustomer) -> None:
    await add_customer()
    customers = Customers(db)
    assert (await customers.by_account("5100012345")) is not None
    assert await customers.by_account("5100099999") is None
    assert await customers.by_account("51000") is None
    assert await customers.verify_last4("5100012345", "8000")
    assert not await customers.verify_last4("5100012345", "8001")
    assert not await customers.verify_last4("5100012345", "800")
    assert not await customers.verify_last4("5100099999", "8000")
