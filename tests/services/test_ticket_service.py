from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ivr.db.enums import TicketStatus, TicketType
from ivr.db.session import Database
from ivr.services.errors import Conflict, NotFound, ValidationError
from ivr.services.outages import OutageInput, Outages
from ivr.services.tickets import TicketInfo, Tickets

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Tuesday 30 Sep 2025, 10:00 in Beijing: the eve of National Day.
EVE = datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)


async def open_repair(
    tickets: Tickets,
    *,
    account: str = "5100012345",
    call_uniqueid: str = "1700000000.1",
    outage_id: str | None = None,
) -> TicketInfo:
    return await tickets.open(
        "repair",
        account=account,
        caller="+8613800138000",
        description="no power at home",
        call_uniqueid=call_uniqueid,
        outage_id=outage_id,
        now=EVE,
    )


async def test_numbers_carry_type_local_date_and_daily_sequence(db: Database) -> None:
    tickets = Tickets(db)
    late_utc = datetime(2025, 11, 24, 20, 0, tzinfo=UTC)  # already 25 Nov in Beijing
    first = await tickets.open(
        "repair", account=None, caller=None, description="", call_uniqueid=None, now=late_utc
    )
    second = await tickets.open(
        TicketType.REPAIR,
        account=None,
        caller=None,
        description="",
        call_uniqueid=None,
        now=late_utc,
    )
    complaint = await tickets.open(
        "complaint", account=None, caller=None, description="", call_uniqueid=None, now=late_utc
    )
    next_day = await tickets.open(
        "repair",
        account=None,
        caller=None,
        description="",
        call_uniqueid=None,
        now=late_utc + timedelta(days=1),
    )
    assert [first.number, second.number, complaint.number, next_day.number] == [
        "R20251125-0001",
        "R20251125-0002",
        "C20251125-0001",
        "R20251126-0001",
    ]


async def test_complaint_deadlines_use_working_days(db: Database) -> None:
    ticket = await Tickets(db).open(
        "complaint",
        account="5100012345",
        caller="+8613800138000",
        description="rude on the phone",
        call_uniqueid="1.2",
        now=EVE,
    )
    assert ticket.contact_due == datetime(2025, 10, 9, 10, 0, tzinfo=SHANGHAI)
    assert ticket.resolve_due == datetime(2025, 10, 16, 10, 0, tzinfo=SHANGHAI)
    assert ticket.status is TicketStatus.OPEN
    assert not ticket.deadline_provisional
    repair = await open_repair(Tickets(db, repair_arrival=timedelta(minutes=90)))
    # A repair is due by the crew's arrival commitment, in clock hours, day or night.
    assert repair.contact_due == repair.created_at + timedelta(minutes=90)
    assert repair.resolve_due is None


async def test_repair_linked_to_a_known_active_outage_only(db: Database) -> None:
    outages = Outages(db)
    base = {
        "kind": "fault",
        "starts_at": EVE - timedelta(hours=1),
        "restore_eta": None,
        "areas": ("城东",),
    }
    await outages.upsert(OutageInput(id="F1", status="active", **base), now=EVE)  # type: ignore[arg-type]
    await outages.upsert(OutageInput(id="F0", status="restored", **base), now=EVE)  # type: ignore[arg-type]
    tickets = Tickets(db)
    linked = await open_repair(tickets, outage_id="F1")
    restored = await open_repair(tickets, outage_id="F0")
    unknown = await open_repair(tickets, outage_id="nope")
    assert linked.outage_id == "F1"
    assert restored.outage_id is None and unknown.outage_id is None
    assert "F1" in linked.history[0].note


async def test_get_search_close_and_history(db: Database) -> None:
    tickets = Tickets(db, clock=lambda: EVE)  # read when opened: not overdue yet
    repair = await open_repair(tickets)
    other = await open_repair(tickets, account="5100099999")
    complaint = await tickets.open(
        "complaint", account="5100012345", caller=None, description="x", call_uniqueid=None, now=EVE
    )
    assert (await tickets.get(repair.number)) == repair
    assert (await tickets.get(repair.number.lower())) == repair
    assert (await tickets.get(repair.id)) == repair
    assert (await tickets.get(str(repair.id))) == repair
    assert await tickets.get("R20990101-0001") is None

    mine = await tickets.search(account="5100012345")
    assert {t.number for t in mine} == {repair.number, complaint.number}
    assert [t.number for t in await tickets.search(type="complaint")] == [complaint.number]
    assert len(await tickets.search(status="open")) == 3
    assert [t.number for t in await tickets.search(account="5100099999", type="repair")] == [
        other.number
    ]

    later = EVE + timedelta(hours=2)
    await tickets.start_work(repair.number, by="a1001", now=EVE + timedelta(hours=1))
    closed = await tickets.close(repair.number, "  fuse replaced  ", by="a1001", now=later)
    assert closed.status is TicketStatus.CLOSED
    assert closed.closed_at == later and closed.resolution == "fuse replaced"
    assert [(e.from_status, e.to_status, e.by) for e in closed.history] == [
        (None, TicketStatus.OPEN, "ivr"),
        (TicketStatus.OPEN, TicketStatus.IN_PROGRESS, "a1001"),
        (TicketStatus.IN_PROGRESS, TicketStatus.CLOSED, "a1001"),
    ]
    assert [t.number for t in await tickets.search(status="closed")] == [closed.number]

    with pytest.raises(Conflict, match="already closed"):
        await tickets.close(repair.number, "again", by="a1001")
    with pytest.raises(ValidationError) as excinfo:
        await tickets.close(other.number, "  ", by="a1001")
    assert excinfo.value.field == "resolution"
    with pytest.raises(NotFound):
        await tickets.close("R20990101-0001", "done", by="a1001")


async def test_bad_input_is_refused(db: Database) -> None:
    tickets = Tickets(db)
    with pytest.raises(ValidationError) as excinfo:
        await tickets.open("outage", account=None, caller=None, description="", call_uniqueid=None)
    assert excinfo.value.field == "type"
    with pytest.raises(ValidationError) as excinfo:
        await open_repair(tickets, account="123")
    assert excinfo.value.field == "account"
    with pytest.raises(ValidationError):
        await tickets.search(status="done")


async def test_fifty_concurrent_opens_get_fifty_numbers(db: Database) -> None:
    tickets = Tickets(db)
    opened = await asyncio.gather(
        *(open_repair(tickets, call_uniqueid=f"1700000000.{i}") for i in range(50))
    )
    numbers = sorted(t.number for t in opened)
    assert numbers == [f"R20250930-{i:04d}" for i in range(1, 51)]
    assert len(await tickets.search(limit=100)) == 50
