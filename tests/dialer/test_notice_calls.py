"""An outage notice end to end against the simulated PBX: dispatch posts the outage (and is
told when the notices are due and which cannot be in time), the dialer calls the key
customer, who hears the outage's own details in their language, repeats it and confirms."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ivr.app import Hotline
from ivr.db.enums import TargetState
from ivr.db.models import DialTarget
from ivr.db.session import Database
from ivr.pbxsim.amd import recorded_greeting
from ivr.pbxsim.ami_outbound import Answer, OutboundTrunk
from ivr.pbxsim.ami_server import AmiSimulator
from ivr.pbxsim.transcript import CallTranscript
from tests.ami_hotline import AmiApi
from tests.conftest import CustomerFactory
from tests.dialer.rig import the_ended_target


async def _calls(trunk: OutboundTrunk | None, count: int) -> list[CallTranscript]:
    """The transcripts of the answered calls, once their FastAGI sessions have closed (the
    target may be ended in the database a moment before)."""
    assert trunk is not None
    async with asyncio.timeout(10):
        while len(trunk.transcripts) < count:  # noqa: ASYNC110  # the simulator's record
            await asyncio.sleep(0.02)
    return list(trunk.transcripts)


async def test_a_key_customer_hears_the_outage_repeats_it_and_confirms(
    ami_hotline: Hotline, ami_sim: AmiSimulator, ami_api: AmiApi, db: Database,
    add_customer: CustomerFactory,
) -> None:
    await add_customer(account="5100000009", phone="+8613900000009", key_customer=True,
                       language="en-US", area="Riverside", transformer="RS-T4")
    ami_sim.pbx.trunk = OutboundTrunk(plan=lambda n: Answer("answered", after=0.05,
                                                            keys=("1", "2")),
                                      agi=("127.0.0.1", ami_hotline.agi_port))
    start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    status, outage = await ami_api("POST", "/api/outages", role="dispatch", json={
        "id": "P-77", "kind": "planned", "status": "scheduled", "areas": ["Riverside"],
        "transformers": ["RS-T4"], "starts_at": start.isoformat(),
        "restore_eta": (start + timedelta(hours=5)).isoformat(),
        "cause": "replacing the transformer"})
    assert status == 201, outage
    notice = outage["notice"]
    assert (notice["added"], notice["late"]) == (1, 0)
    assert datetime.fromisoformat(notice["due"]) == start - timedelta(minutes=30)
    target = await the_ended_target(db, within=20)
    assert (target.state, target.confirmed) == (TargetState.COMPLETED, True)
    assert target.notice_late is False
    (call,) = await _calls(ami_sim.pbx.trunk, 1)
    told = [p for p in call.prompts if p.startswith("Hello, this is the 95598")]
    assert len(told) == 2  # heard, then repeated on 1
    assert "Riverside, RS-T4" in told[0] and "planned maintenance" in told[0]
    assert "caused by replacing the transformer" in told[0]
    assert "off from" in told[0] and " to " in told[0]
    assert call.prompts[-1].startswith("Thank you for confirming")


async def test_dispatch_is_told_a_load_shedding_notice_cannot_be_in_time(
    ami_hotline: Hotline, ami_api: AmiApi, db: Database, add_customer: CustomerFactory,
) -> None:
    await add_customer(account="5100000009", phone="+8613900000009", key_customer=True)
    start = datetime.now(UTC) + timedelta(hours=3)
    status, outage = await ami_api("POST", "/api/outages", role="dispatch", json={
        "id": "L-9", "kind": "load_shedding", "status": "scheduled", "areas": ["城东"],
        "starts_at": start.isoformat()})
    assert status == 201, outage
    assert outage["notice"]["late"] == 1 and "24 h" in outage["notice"]["rule"]
    async with db.sessionmaker() as session:
        (target,) = await session.scalars(select(DialTarget))
    assert target.notice_late is True and "posted too late" in target.reason


async def test_an_answering_machine_gets_the_notice_as_a_message(
    ami_hotline: Hotline, ami_sim: AmiSimulator, ami_api: AmiApi, db: Database,
    add_customer: CustomerFactory,
) -> None:
    await add_customer(account="5100000009", phone="+8613900000009", key_customer=True)
    ami_sim.pbx.trunk = OutboundTrunk(
        plan=lambda n: Answer("answered", after=0.05, audio=recorded_greeting()),
        agi=("127.0.0.1", ami_hotline.agi_port))
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    status, outage = await ami_api("POST", "/api/outages", role="dispatch", json={
        "id": "L-10", "kind": "load_shedding", "status": "scheduled", "areas": ["城东"],
        "starts_at": start.isoformat(), "restore_eta": (start + timedelta(hours=4)).isoformat(),
        "cause": "用电负荷超过供电能力"})
    assert status == 201, outage
    target = await the_ended_target(db, within=20)
    assert (target.state, target.confirmed) == (TargetState.COMPLETED, False)
    assert target.reason == "left as a message on an answering machine (AMD MAXWORDS-3-2)"
    (call,) = await _calls(ami_sim.pbx.trunk, 1)
    assert [app.application for app in call.apps] == ["AMD", "WaitForSilence"]
    message, goodbye = call.prompts  # after the greeting: the notice once, then goodbye
    assert message.startswith("您好，这里是95598供电服务热线有序用电通知")
    assert "城东" in message and "用电负荷超过供电能力" in message
    assert goodbye == "感谢您的接听，再见。"
