"""Customers: who is calling, and is the caller who they say they are."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, select

from ivr.db.enums import CustomerClass, Language
from ivr.db.models import Customer
from ivr.db.session import Database
from ivr.services.phones import normalize_phone


@dataclass(frozen=True)
class CustomerInfo:
    account: str
    name: str
    phone: str  # E.164
    address: str
    area: str
    transformer: str
    customer_class: CustomerClass
    key_customer: bool
    manager_phone: str | None
    language: Language


def customer_info(row: Customer | Row[*tuple[Any, ...]]) -> CustomerInfo:
    return CustomerInfo(
        account=row.account,
        name=row.name,
        phone=row.phone,
        address=row.address,
        area=row.area,
        transformer=row.transformer,
        customer_class=CustomerClass(row.customer_class),
        key_customer=row.key_customer,
        manager_phone=row.manager_phone,
        language=Language(row.language),
    )


# The caller's lookups, built once: Core selects of the columns (no ORM objects to load and
# track) whose compiled form SQLAlchemy's cache finds by the statement's memoised key.
_COLUMNS = (Customer.account, Customer.name, Customer.phone, Customer.address, Customer.area,
            Customer.transformer, Customer.customer_class, Customer.key_customer,
            Customer.manager_phone, Customer.language)
_BY_PHONE = (select(*_COLUMNS).where(Customer.phone == bindparam("phone"))
             .order_by(Customer.account).limit(10))
_BY_ACCOUNT = select(*_COLUMNS).where(Customer.account == bindparam("account"))


class Customers:
    def __init__(self, db: Database, region: str = "CN") -> None:
        self._db = db
        self._region = region

    async def by_phone(self, raw: str | None) -> CustomerInfo | None:
        """The customer whose registered phone is this caller id, after normalising it.

        None when the number is not valid or is registered to several accounts (a landlord's
        phone, a shared office line): guessing would read one premises' data to another's
        caller, so the flow asks for the account number instead.
        """
        matches = await self.all_by_phone(raw)
        return matches[0] if len(matches) == 1 else None

    async def all_by_phone(self, raw: str | None) -> list[CustomerInfo]:
        phone = normalize_phone(raw, self._region)
        if phone is None:
            return []
        rows = await self._db.reads.run(
            lambda conn: conn.execute(_BY_PHONE, {"phone": phone}).all())
        return [customer_info(row) for row in rows]

    async def by_account(self, account: str) -> CustomerInfo | None:
        if not (len(account) == 10 and account.isdigit()):
            return None
        row = await self._db.reads.run(
            lambda conn: conn.execute(_BY_ACCOUNT, {"account": account}).first())
        return customer_info(row) if row is not None else None

    async def addresses(self) -> list[tuple[str, Language]]:
        """Every distinct (address, language) on record: the addresses read back to callers,
        rendered ahead by the server so that no caller waits for them."""
        async with self._db.sessionmaker() as session:
            rows = await session.execute(
                select(Customer.address, Customer.language).distinct())
            return [(address, Language(language)) for address, language in rows]

    async def verify_last4(self, account: str, digits: str) -> bool:
        """True when `digits` are the last four digits of the account's registered phone."""
        customer = await self.by_account(account)
        return customer is not None and phone_ends_with(customer.phone, digits)


def phone_ends_with(phone: str, digits: str) -> bool:
    """True when `digits` are the last four digits of `phone` (compared in constant time)."""
    if len(digits) != 4 or not digits.isdigit():
        return False
    return hmac.compare_digest(phone[-4:], digits)
