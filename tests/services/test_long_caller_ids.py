"""A trunk may send any caller id: a long one is stored whole, never failing the call's records."""

from __future__ import annotations

from datetime import UTC, datetime

from ivr.db.session import Database
from ivr.services.calls import CallLog, JourneyEvent
from ivr.services.tickets import Tickets

LONG = "sip:" + "8" * 90 + "@carrier.example"


async def test_long_caller_id_in_call_record_and_work_order(db: Database) -> None:
    now = datetime.now(UTC)
    calls = CallLog(db)
    await calls.start("1.1", caller=LONG, language="zh-CN", flow_name="hotline",
                      flow_version="v", started_at=now, answered_at=now)
    await calls.finish("1.1", outcome="self_served", queue=None, account=None, ended_at=now,
                       events=[JourneyEvent(at=now, kind="answered")])
    record = await calls.get("1.1")
    assert record is not None and record.caller == LONG
    ticket = await Tickets(db).open("repair", account=None, caller=LONG, description="x",
                                    call_uniqueid="1.1")
    assert ticket.caller == LONG
