"""A caller may hang up at any moment: every step of every path ends cleanly and recorded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from ivr.db.session import Database
from ivr.pbxsim.transcript import CallTranscript, EndReason
from ivr.services.calls import CallRecord
from ivr.services.tickets import Tickets
from tests.conftest import CustomerFactory
from tests.hotline import ACCOUNT, Dial, add_bills, add_outage

PATHS = {
    "outage": ("1", ""),
    "repair": ("2", "1", "1", ""),
    "danger": ("2", "1", "3"),
    "bill_by_account": ("3", f"{ACCOUNT}#", "8000", ""),
    "complaint": ("4", "1", ""),
    "danger_from_greeting": ("8",),
    "report": ("4", "2", "say:the meter reader asked me for money", ""),
    "person": ("0",),
    "invalid_keys": ("7", "7", "7"),
}


@pytest.mark.parametrize("path", sorted(PATHS))
async def test_hangup_at_every_step(
    path: str,
    call: Dial,
    db: Database,
    add_customer: CustomerFactory,
    journey: Callable[[CallTranscript], Awaitable[CallRecord]],
) -> None:
    await add_customer()
    await add_outage(db)
    await add_bills(db)
    caller = "+8613700000000" if path == "bill_by_account" else "+8613800138000"
    full = await call(*PATHS[path], caller=caller)
    # Steps while the call is live: up to the IVR's HANGUP, or the Queue that took the call.
    live = next(
        i
        for i, x in enumerate(full.exchanges, 1)
        if x.command.startswith("HANGUP") or x.reply.endswith("HANGUP")
    )
    assert live > 3
    tickets_before = len(await Tickets(db).search(account=ACCOUNT))
    journeys_with_ticket = 0
    for after in range(1, live):
        t = await call(*PATHS[path], caller=caller, hangup_after=after)
        assert t.ended is EndReason.CALLER_HUNG_UP, (after, t.render())
        record = await journey(t)
        assert record.ended_at is not None
        served = "感谢您的来电，再见。" in t.prompts  # hung up after the goodbye: served
        allowed = {"caller_hung_up", "transferred"} | ({"self_served"} if served else set())
        assert record.outcome in allowed, (after, record.outcome)
        assert record.events[-1].kind == "hangup" or served
        journeys_with_ticket += any(e.kind == "ticket" for e in record.events)
    # Every work order opened is in its call's journey, and none is opened twice.
    tickets_after = len(await Tickets(db).search(account=ACCOUNT))
    assert tickets_after - tickets_before == journeys_with_ticket
