"""kill -9 mid-call: the work order the caller heard and the journey up to it survive, and the
restarted hotline closes the call as interrupted."""

from __future__ import annotations

import asyncio

import pytest

from ivr.db.enums import CallOutcome
from ivr.db.session import Database
from ivr.pbxsim.call import simulate_call
from ivr.pbxsim.caller import Caller, Response
from ivr.pbxsim.transcript import Event, Heard
from ivr.services.calls import CallLog
from ivr.services.tickets import Tickets
from tests.conftest import CustomerFactory
from tests.faults.spawn import SpawnServe
from tests.hotline import ACCOUNT

pytestmark = pytest.mark.faults

READ_BACK = "您的报修已受理"  # ticket_created in zh-CN: the work order number read back


async def test_kill_9_after_the_work_order_was_read_back(
    spawn_serve: SpawnServe, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()
    served = spawn_serve()
    await served.start()
    heard_number = asyncio.Event()
    killed = asyncio.Event()

    def observe(event: Event) -> None:
        if isinstance(event, Heard) and (event.text or "").startswith(READ_BACK):
            heard_number.set()

    async def then_wait() -> Response:  # the caller thinks at the next menu: the call stays up
        await killed.wait()
        return Response("hangup")

    call = asyncio.create_task(simulate_call(
        "127.0.0.1", served.agi_port, caller_model=Caller(["2", "1", "1"], live=then_wait),
        observer=observe))
    # Killed the moment the number starts playing: what the caller hears is stored already.
    await asyncio.wait_for(heard_number.wait(), 30)
    served.kill()
    killed.set()
    transcript = await asyncio.wait_for(call, 30)
    assert any(p.startswith(READ_BACK) for p in transcript.prompts)

    (ticket,) = await Tickets(db).search(account=ACCOUNT)  # the work order is there
    before_restart = await CallLog(db).get(transcript.uniqueid)
    assert before_restart is not None and before_restart.outcome is None
    kinds = [e.kind for e in before_restart.events]
    assert "ticket" in kinds and "lookup" in kinds and kinds[0] == "answered"

    await served.start()  # the restart closes what the kill left open
    record = await CallLog(db).get(transcript.uniqueid)
    assert record is not None
    assert record.outcome == CallOutcome.INTERRUPTED
    assert record.ended_at is not None and record.ended_at >= record.started_at
    numbers = [e.data["number"] for e in record.events if e.kind == "ticket"]
    assert numbers == [ticket.number]
    assert record.events[-1].kind == "interrupted"
    assert "closed 1 calls left open" in served.log_path.read_text()
    served.stop()
