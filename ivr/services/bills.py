"""Bills and payments, as a verified caller hears them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, bindparam, select

from ivr.db.models import Bill
from ivr.db.session import Database


@dataclass(frozen=True)
class BillInfo:
    period: str  # YYYY-MM
    kwh: Decimal
    amount_due: Decimal
    due_date: date
    amount_paid: Decimal
    paid_at: datetime | None


@dataclass(frozen=True)
class PaymentInfo:
    amount: Decimal
    paid_at: datetime
    period: str  # the bill it paid


@dataclass(frozen=True)
class BillSummary:
    balance_owed: Decimal  # what is still unpaid over all bills; never below zero
    last_bill: BillInfo | None
    last_payment: PaymentInfo | None
    recent: tuple[BillInfo, ...]  # newest first, up to three periods, for usage


def bill_info(row: Bill | Row[*tuple[Any, ...]]) -> BillInfo:
    return BillInfo(
        period=row.period,
        kwh=row.kwh,
        amount_due=row.amount_due,
        due_date=row.due_date,
        amount_paid=row.amount_paid,
        paid_at=row.paid_at,
    )


# Built once: a Core select of the columns, no ORM objects (the bill query's hot statement).
_OF_ACCOUNT = (select(Bill.period, Bill.kwh, Bill.amount_due, Bill.due_date, Bill.amount_paid,
                      Bill.paid_at)
               .where(Bill.account == bindparam("account")).order_by(Bill.period.desc()))


class Bills:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def summary(self, account: str) -> BillSummary:
        """The account's balance, last bill and last payment. Only for a verified caller."""
        rows = await self._db.reads.run(
            lambda conn: conn.execute(_OF_ACCOUNT, {"account": account}).all())
        bills = [bill_info(row) for row in rows]
        owed = sum((b.amount_due - b.amount_paid for b in bills), Decimal("0.00"))
        payments = [b for b in bills if b.paid_at is not None and b.amount_paid > 0]
        last = max(payments, key=lambda b: b.paid_at or datetime.min, default=None)
        return BillSummary(
            balance_owed=max(owed, Decimal("0.00")),
            last_bill=bills[0] if bills else None,
            last_payment=(
                PaymentInfo(amount=last.amount_paid, paid_at=last.paid_at, period=last.period)
                if last is not None and last.paid_at is not None
                else None
            ),
            recent=tuple(bills[:3]),
        )
