"""Work orders owned to closure, at the service level with a clock the test moves."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ivr.cli.main import cli
from ivr.db.enums import TicketEventKind, TicketStatus
from ivr.db.session import Database
from ivr.services.errors import Conflict, NotFound, ValidationError
from ivr.services.tickets import Tickets
from ivr.services.verification import VerifyGuard

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _complaint(tickets: Tickets, **kwargs: str) -> str:
    ticket = await tickets.open("complaint", account=None, caller=None, description="x",
                                call_uniqueid=None, **kwargs)  # type: ignore[arg-type]
    return ticket.number


async def test_the_ivr_hands_what_it_takes_to_the_team_behind_it(db: Database) -> None:
    tickets = Tickets(db)
    for kind, team in [("complaint", "complaint"), ("repair", "repair"),
                       ("meter_check", "billing"), ("enquiry", "general")]:
        opened = await tickets.open(kind, account=None, caller=None, description="x",
                                    call_uniqueid=None)
        assert opened.owner == team
    by_agent = await tickets.open("enquiry", account=None, caller=None, description="x",
                                  call_uniqueid=None, by="a1001")
    assert by_agent.owner == "a1001"


async def test_overdue_follows_the_clock_and_contact_meets_the_first_deadline(
    db: Database,
) -> None:
    clock = Clock(MONDAY)
    tickets = Tickets(db, clock=clock)
    number = await _complaint(tickets)
    assert await tickets.overdue() == [] and await tickets.count_overdue() == 0
    clock.now = MONDAY + timedelta(days=1, minutes=1)  # contact was due Tuesday 09:00
    (late,) = await tickets.overdue()
    assert late.number == number and late.overdue
    assert await tickets.count_overdue() == 1  # the wallboard's figure, by COUNT
    await tickets.add_note(number, "reached the customer", by="a1", contacted=True)
    assert await tickets.overdue() == []  # the answer is due in 7 working days
    clock.now = MONDAY + timedelta(days=9, minutes=1)  # Wednesday 2 December 09:01
    assert [t.number for t in await tickets.overdue()] == [number]
    closed = await tickets.close(number, "answered", by="a1")
    assert not closed.overdue and await tickets.overdue() == []
    assert await tickets.count_overdue() == 0


async def test_handover_lists_what_falls_due_in_the_next_shift(db: Database) -> None:
    clock = Clock(MONDAY)
    tickets = Tickets(db, clock=clock, repair_arrival=timedelta(hours=2))
    repair = await tickets.open("repair", account=None, caller=None, description="no power",
                                call_uniqueid=None)
    complaint = await _complaint(tickets)
    enquiry = await tickets.open("enquiry", account=None, caller=None, description="x",
                                 call_uniqueid=None)  # no deadline: never on the list
    assert [t.number for t in await tickets.handover(1)] == []
    assert [t.number for t in await tickets.handover(12)] == [repair.number]
    assert [t.number for t in await tickets.handover(25)] == [repair.number, complaint]
    clock.now = MONDAY + timedelta(hours=3)  # the crew is late: still on the list, first
    assert [t.number for t in await tickets.handover(1)] == [repair.number]
    assert enquiry.number not in [t.number for t in await tickets.handover(72)]
    with pytest.raises(ValidationError):
        await tickets.handover(0)


async def test_reopening_keeps_number_and_history_and_counts_deadlines_afresh(
    db: Database,
) -> None:
    clock = Clock(MONDAY)
    tickets = Tickets(db, clock=clock)
    number = await _complaint(tickets)
    await tickets.assign(number, "城东供电所", "premises in 城东", by="sup")
    await tickets.close(number, "answered", by="城东供电所")
    clock.now = MONDAY + timedelta(days=10)  # Thursday 3 December
    reopened = await tickets.reopen(number, "customer not satisfied", by="survey")
    assert reopened.number == number and reopened.status is TicketStatus.OPEN
    assert reopened.owner == "城东供电所"  # still theirs
    assert reopened.contact_due == datetime(2026, 12, 4, 9, 0, tzinfo=SHANGHAI)
    assert [e.kind for e in reopened.history] == [
        TicketEventKind.OPENED, TicketEventKind.ASSIGNED, TicketEventKind.CLOSED,
        TicketEventKind.REOPENED,
    ]
    with pytest.raises(Conflict, match="not closed"):
        await tickets.reopen(number, "again", by="survey")
    with pytest.raises(NotFound):
        await tickets.reopen("C19990101-0001", "x", by="survey")


async def test_assignment_rules(db: Database) -> None:
    tickets = Tickets(db)
    number = await _complaint(tickets, by="a1")
    with pytest.raises(Conflict, match="already owned"):
        await tickets.assign(number, "a1", "x", by="sup")
    with pytest.raises(Conflict, match="now owned by a1"):
        await tickets.assign(number, "a2", "x", by="sup", current_owner="a3")
    with pytest.raises(ValidationError) as excinfo:
        await tickets.assign(number, "a2", " ", by="sup")
    assert excinfo.value.field == "reason"
    moved = await tickets.assign(number, "a2", "a1 off sick", by="sup", current_owner="a1")
    assert moved.owner == "a2" and moved.history[-1].owner == "a2"
    await tickets.close(number, "done", by="a2")
    with pytest.raises(Conflict, match="reopen it first"):
        await tickets.assign(number, "a3", "x", by="sup")
    noted = await tickets.add_note(number, "customer called to say thanks", by="a2")
    assert noted.history[-1].kind is TicketEventKind.NOTE


async def test_verification_failures_expire_after_the_window(db: Database) -> None:
    clock = Clock(MONDAY)
    guard = VerifyGuard(db, max_failures=2, window=timedelta(minutes=30), clock=clock)
    assert not await guard.record_failure("5100012345", "+8613700000000")
    assert await guard.record_failure("5100012345", "+8613700000001")  # the account: 2
    assert await guard.locked("5100012345", None)
    assert not await guard.locked("5100099999", "+8613700000000")  # that number: 1
    clock.now = MONDAY + timedelta(minutes=31)
    assert not await guard.locked("5100012345", None)


async def test_handover_on_the_command_line(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    monkeypatch.delenv("IVR_CONFIG", raising=False)
    runner = CliRunner()
    result = await asyncio.to_thread(runner.invoke, cli, ["tickets", "handover"])
    assert result.exit_code == 0 and "nothing open is due in the next 12 hours" in result.output
    late = await Tickets(db).open("meter_check", account=None, caller=None,
                                  description="meter runs fast", call_uniqueid=None,
                                  now=MONDAY - timedelta(days=30), by="a1001")
    result = await asyncio.to_thread(runner.invoke, cli, ["tickets", "handover", "--hours", "8"])
    assert result.exit_code == 0, result.output
    line = result.output.strip()
    assert line.startswith(late.number) and "OVERDUE" in line and "owner a1001" in line
