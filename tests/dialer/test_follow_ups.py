"""Closing a repair, complaint or report creates its follow-up target in the same transaction,
exactly once per closure; coverage counts them against 100%."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ivr.db.enums import TargetState
from ivr.db.models import DialTarget
from ivr.db.session import Database
from ivr.services.errors import Conflict
from ivr.services.surveys import Surveys
from ivr.services.tickets import Tickets
from tests.conftest import CustomerFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


async def _targets(db: Database) -> list[DialTarget]:
    async with db.sessionmaker() as session:
        return list(await session.scalars(select(DialTarget).order_by(DialTarget.id)))


async def test_each_closure_of_a_followed_type_gets_one_target(
    db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer(account="5100012345", phone="+8613800138000", language="en-US")
    tickets = Tickets(db)
    repair = await tickets.open("repair", account="5100012345", caller=None,
                                description="no power", call_uniqueid=None, now=MONDAY)
    enquiry = await tickets.open("enquiry", account=None, caller="+8613900000000",
                                 description="q", call_uniqueid=None, now=MONDAY)
    await tickets.close(repair.number, "fixed", by="a1", now=MONDAY + timedelta(hours=1))
    await tickets.close(enquiry.number, "answered", by="a1", now=MONDAY + timedelta(hours=1))
    (target,) = await _targets(db)
    assert (target.ticket_id, target.number, target.language) == (
        repair.id, "+8613800138000", "en-US")
    assert target.state == TargetState.PENDING and target.reason
    # Reopen and close again: a second closure, a second follow-up.
    await tickets.reopen(repair.number, "still dark", by="a1", now=MONDAY + timedelta(hours=2))
    await tickets.close(repair.number, "fixed again", by="a1", now=MONDAY + timedelta(hours=3))
    first, second = await _targets(db)
    assert first.close_event_id != second.close_event_id


async def test_racing_closes_leave_one_target(db: Database) -> None:
    tickets = Tickets(db)
    order = await tickets.open("complaint", account=None, caller="+8613900000001",
                               description="rude", call_uniqueid=None, now=MONDAY)
    results = await asyncio.gather(
        *(tickets.close(order.number, f"done {i}", by=f"a{i}") for i in range(4)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))
    async with db.sessionmaker() as session:
        assert (await session.scalar(select(func.count()).select_from(DialTarget))) == 1


async def test_no_number_ends_unreachable_with_a_reason_and_coverage_counts_it(
    db: Database,
) -> None:
    tickets = Tickets(db)
    withheld = await tickets.open("report", account=None, caller="anonymous",
                                  description="x", call_uniqueid=None, now=MONDAY)
    other = await tickets.open("report", account=None, caller="+8613900000002",
                               description="y", call_uniqueid=None, now=MONDAY)
    for order in (withheld, other):
        await tickets.close(order.number, "handled", by="a1", now=MONDAY + timedelta(hours=1))
    unreachable, pending = await _targets(db)
    assert unreachable.state == TargetState.UNREACHABLE and "no number" in unreachable.reason
    assert pending.state == TargetState.PENDING
    rows = {r.type: r for r in await Surveys(db).coverage(MONDAY, MONDAY + timedelta(days=1))}
    report = rows["report"]
    assert (report.closed, report.followed_up, report.pending, report.missing) == (2, 1, 1, 0)
    assert report.ends["unreachable"] == 1 and report.percent == 50.0
    assert rows["repair"].closed == 0 and rows["repair"].percent == 100.0
