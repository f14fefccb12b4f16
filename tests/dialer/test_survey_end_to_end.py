"""The whole loop on the hotline as `ivr serve` runs it, against the simulated PBX: a closed
repair is followed up, the dialer originates over AMI, the answered call runs the survey over
FastAGI, the answers land in the database and a bad one opens an escalation for a supervisor;
a person hanging up mid-survey ends the target when the call ends."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ivr.app import Hotline
from ivr.db.enums import AttemptResult, TargetState, TicketStatus
from ivr.db.models import DialAttempt, DialTarget, DoNotCall
from ivr.db.session import Database
from ivr.pbxsim.amd import recorded_greeting
from ivr.pbxsim.ami_outbound import Answer, OutboundTrunk
from ivr.pbxsim.ami_server import AmiSimulator
from ivr.pbxsim.transcript import CallTranscript
from ivr.services.escalations import OFFICE_HOURS, escalation_due
from ivr.services.tickets import Tickets
from tests.ami_hotline import AmiApi
from tests.conftest import CustomerFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
ALWAYS = {"window": {"start": "00:00", "end": "23:59", "days": "every_day"}}


async def _ended(db: Database) -> list[DialTarget]:
    async with asyncio.timeout(20):
        while True:
            async with db.sessionmaker() as session:
                rows = list(await session.scalars(select(DialTarget).order_by(DialTarget.id)))
            if rows and all(r.ended_at is not None for r in rows):
                return rows
            await asyncio.sleep(0.05)


async def _follow_up(ami_hotline: Hotline, ami_sim: AmiSimulator, ami_api: AmiApi,
                     add_customer: CustomerFactory, keys: tuple[str | None, ...]) -> Any:
    await add_customer(account="5100012345", phone="+8613800138000")
    ami_sim.pbx.trunk = OutboundTrunk(
        plan=lambda n: Answer("answered", after=0.05, keys=keys),
        agi=("127.0.0.1", ami_hotline.agi_port))
    status, order = await ami_api("POST", "/api/tickets", role="supervisor", json={
        "type": "repair", "description": "no power", "account": "5100012345"})
    assert status == 201, order
    status, _ = await ami_api("PUT", "/api/campaigns/follow-up/rules", role="survey",
                              json={**ALWAYS, "pacing": {"channels": 2, "per_second": 1}})
    assert status == 404  # the standing campaign is made by the first closure
    status, _ = await ami_api("POST", f"/api/tickets/{order['number']}/close",
                              role="supervisor", json={"resolution": "fuse replaced"})
    assert status == 200
    status, _ = await ami_api("PUT", "/api/campaigns/follow-up/rules", role="survey",
                              json={**ALWAYS, "pacing": {"channels": 2, "per_second": 1}})
    assert status == 200
    return order


async def _calls(trunk: OutboundTrunk | None, count: int) -> list[CallTranscript]:
    """The transcripts of the answered calls, once their FastAGI sessions have closed (the
    target may be ended in the database a moment before)."""
    assert trunk is not None
    async with asyncio.timeout(10):
        while len(trunk.transcripts) < count:  # noqa: ASYNC110  # the simulator's record
            await asyncio.sleep(0.02)
    return list(trunk.transcripts)


async def test_unresolved_answer_opens_an_escalation_for_a_supervisor(
    ami_hotline: Hotline, ami_sim: AmiSimulator, ami_api: AmiApi, db: Database,
    add_customer: CustomerFactory,
) -> None:
    order = await _follow_up(ami_hotline, ami_sim, ami_api, add_customer,
                             keys=("1", "2", "2", None))
    (target,) = await _ended(db)
    assert target.state == TargetState.COMPLETED
    assert (target.resolved, target.score) == (False, 2)
    status, ticket = await ami_api("GET", f"/api/tickets/{order['number']}", role="survey")
    assert ticket["status"] == TicketStatus.CLOSED  # the supervisor decides on reopening
    status, results = await ami_api("GET", f"/api/surveys?ticket={order['number']}",
                                    role="survey")
    assert status == 200
    (result,) = results["follow_ups"]
    assert result["state"] == "completed" and result["attempt_results"] == ["answered"]
    escalation_number = result["escalation"]
    assert escalation_number.startswith("E") and escalation_number != order["number"]
    status, listed = await ami_api("GET", "/api/tickets?type=escalation", role="supervisor")
    assert status == 200
    (escalation,) = listed["tickets"]
    assert escalation["number"] == escalation_number
    assert escalation["escalates"] == order["number"]
    assert escalation["owner"] == "supervisor" and escalation["status"] == "open"
    assert "not resolved" in escalation["description"]
    created = datetime.fromisoformat(escalation["created_at"])
    due = escalation_due(created, SHANGHAI, await Tickets(db).calendar.schedule(
        (created.year, created.year + 1)))
    assert datetime.fromisoformat(escalation["resolve_due"]) == due.at
    assert due.at.astimezone(SHANGHAI).time() == OFFICE_HOURS[1]
    (call,) = await _calls(ami_sim.pbx.trunk, 1)
    assert call.prompts  # the survey was heard
    assert all("5100012345" not in p and order["number"] not in p for p in call.prompts)
    status, coverage = await ami_api(
        "GET", "/api/surveys/coverage?from=2000-01-01T00:00%2B08:00&to=2100-01-01T00:00%2B08:00",
        role="supervisor")
    repair = next(t for t in coverage["types"] if t["type"] == "repair")
    assert repair["closed"] == 1 and repair["followed_up"] == 1 and repair["percent"] == 100.0
    assert repair["satisfaction_rate"] == 0.0


async def test_a_satisfied_customer_opens_no_escalation(
    ami_hotline: Hotline, ami_sim: AmiSimulator, ami_api: AmiApi, db: Database,
    add_customer: CustomerFactory,
) -> None:
    order = await _follow_up(ami_hotline, ami_sim, ami_api, add_customer,
                             keys=("1", "1", "4", None))
    (target,) = await _ended(db)
    assert (target.state, target.resolved, target.score) == (TargetState.COMPLETED, True, 4)
    assert target.escalation_ticket_id is None
    status, listed = await ami_api("GET", "/api/tickets?type=escalation", role="supervisor")
    assert (status, listed["tickets"]) == (200, [])
    status, results = await ami_api("GET", f"/api/surveys?ticket={order['number']}",
                                    role="survey")
    assert status == 200
    assert results["follow_ups"][0]["escalation"] is None


async def test_hanging_up_mid_survey_ends_the_target_with_what_was_answered(
    ami_hotline: Hotline, ami_sim: AmiSimulator, ami_api: AmiApi, db: Database,
    add_customer: CustomerFactory,
) -> None:
    # Verified, said "not resolved", then hung up at the score question.
    await _follow_up(ami_hotline, ami_sim, ami_api, add_customer, keys=("1", "2"))
    await _calls(ami_sim.pbx.trunk, 1)  # the call's FastAGI session has closed
    # Ended when the session ended: well before the sweep of abandoned calls (minutes).
    (target,) = await _ended(db)
    assert target.state == TargetState.REFUSED
    assert (target.resolved, target.score) == (False, None)
    assert target.reason == "hung up mid-survey (resolved answered)"
    assert target.escalation_ticket_id is None  # no score, no complete answer: no escalation
    async with db.sessionmaker() as session:
        (attempt,) = await session.scalars(select(DialAttempt))
    assert attempt.result == AttemptResult.ANSWERED and attempt.ended_at is not None


async def test_nine_opts_out_onto_the_do_not_call_list(
    ami_hotline: Hotline, ami_sim: AmiSimulator, ami_api: AmiApi, db: Database,
    add_customer: CustomerFactory,
) -> None:
    await _follow_up(ami_hotline, ami_sim, ami_api, add_customer, keys=("9",))
    (target,) = await _ended(db)
    assert target.state == TargetState.OPTED_OUT
    async with db.sessionmaker() as session:
        assert await session.get(DoNotCall, "+8613800138000") is not None


async def test_a_promised_callback_is_dialled_and_put_through(
    ami_hotline: Hotline, ami_sim: AmiSimulator, ami_api: AmiApi, db: Database,
) -> None:
    ami_sim.pbx.trunk = OutboundTrunk(plan=lambda n: Answer("answered", after=0.05),
                                      agi=("127.0.0.1", ami_hotline.agi_port))
    await Tickets(db).open("enquiry", account=None, caller="+8613900000007",
                           description="callback: no agent answered", call_uniqueid=None,
                           dial_back_language="en-US")
    status, _ = await ami_api("PUT", "/api/campaigns/callbacks/rules", role="survey", json=ALWAYS)
    assert status == 200
    (target,) = await _ended(db)
    assert target.state == TargetState.COMPLETED and target.language == "en-US"
    assert target.reason == "called back: put through to the queue"


async def test_an_answering_machine_is_hung_up_on_and_retried(
    ami_hotline: Hotline, ami_sim: AmiSimulator, ami_api: AmiApi, db: Database,
    add_customer: CustomerFactory,
) -> None:
    await add_customer(account="5100012345", phone="+8613800138000")
    ami_sim.pbx.trunk = OutboundTrunk(
        plan=lambda n: Answer("answered", after=0.05, audio=recorded_greeting()),
        agi=("127.0.0.1", ami_hotline.agi_port))
    status, order = await ami_api("POST", "/api/tickets", role="supervisor", json={
        "type": "repair", "description": "no power", "account": "5100012345"})
    assert status == 201, order
    status, _ = await ami_api("POST", f"/api/tickets/{order['number']}/close",
                              role="supervisor", json={"resolution": "fuse replaced"})
    assert status == 200
    status, _ = await ami_api("PUT", "/api/campaigns/follow-up/rules", role="survey", json={
        **ALWAYS, "pacing": {"channels": 2, "per_second": 1},
        "retries": {"max_attempts": 2, "delays": {"machine": 0}}})
    assert status == 200
    (target,) = await _ended(db)
    assert target.state == TargetState.UNREACHABLE and target.attempts == 2
    assert target.reason == "machine on attempt 2, the last allowed"
    async with db.sessionmaker() as session:
        attempts = list(await session.scalars(select(DialAttempt).order_by(DialAttempt.id)))
    assert [a.result for a in attempts] == [AttemptResult.MACHINE] * 2
    assert all(a.cause == "AMD MAXWORDS-3-2" for a in attempts)
    for call in await _calls(ami_sim.pbx.trunk, 2):
        assert [app.application for app in call.apps] == ["AMD"]
        assert call.prompts == []  # nothing said to a machine
