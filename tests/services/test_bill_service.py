from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ivr.db.models import Bill
from ivr.db.session import Database
from ivr.services.bills import Bills


async def test_summary(db: Database, add_customer: Callable[..., Awaitable[Any]]) -> None:
    await add_customer()
    paid_sep = datetime(2025, 10, 7, 6, 39, tzinfo=UTC)
    part_oct = datetime(2025, 11, 3, 1, 0, tzinfo=UTC)
    async with db.sessionmaker() as session, session.begin():
        for period, due, paid, at in [
            ("2025-08", "210.55", "210.55", datetime(2025, 9, 11, tzinfo=UTC)),
            ("2025-10", "230.10", "100.00", part_oct),
            ("2025-09", "217.13", "217.13", paid_sep),
        ]:
            session.add(
                Bill(
                    account="5100012345",
                    period=period,
                    kwh=Decimal("396"),
                    amount_due=Decimal(due),
                    due_date=date(2025, int(period[-2:]) + 1, 20),
                    amount_paid=Decimal(paid),
                    paid_at=at,
                )
            )
    summary = await Bills(db).summary("5100012345")
    assert summary.balance_owed == Decimal("130.10")
    assert summary.last_bill is not None
    assert summary.last_bill.period == "2025-10"
    assert summary.last_bill.amount_due == Decimal("230.10")
    assert summary.last_bill.kwh == Decimal("396.00")
    assert summary.last_bill.due_date == date(2025, 11, 20)
    assert summary.last_payment is not None
    assert (summary.last_payment.amount, summary.last_payment.paid_at) == (
        Decimal("100.00"),
        part_oct,
    )
    assert [b.period for b in summary.recent] == ["2025-10", "2025-09", "2025-08"]
    assert isinstance(summary.balance_owed, Decimal)


async def test_summary_without_bills(db: Database) -> None:
    summary = await Bills(db).summary("5100012345")
    assert summary.balance_owed == Decimal("0.00")
    assert summary.last_bill is None and summary.last_payment is None and summary.recent == ()


async def test_overpayment_is_not_a_debt(
    db: Database, add_customer: Callable[..., Awaitable[Any]]
) -> None:
    await add_customer()
    async with db.sessionmaker() as session, session.begin():
        session.add(
            Bill(
                account="5100012345",
                period="2025-10",
                kwh=Decimal("10"),
                amount_due=Decimal("5.00"),
                due_date=date(2025, 11, 20),
                amount_paid=Decimal("50.00"),
                paid_at=datetime(2025, 11, 1, tzinfo=UTC),
            )
        )
    assert (await Bills(db).summary("5100012345")).balance_owed == Decimal("0.00")
