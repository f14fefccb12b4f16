"""End to end: `ivr serve`'s hotline on the AMI simulator, replaying recorded Asterisk streams.

A caller joins `repair`; agent A001 rings three rings (15 s) without answering; A002 answers
after 24.1 s in the queue. The stored records and `/api/stats/service-level` must say exactly
that. Then the AMI link drops in the middle of a message, the IVR logs in again, rebuilds its
agent state from `QueueStatus`, and the rest of the stream still produces a correct record.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ivr.app import Hotline
from ivr.db.enums import QueueOutcome
from ivr.db.models import PbxCall
from ivr.db.session import Database
from ivr.pbxsim.ami_server import AmiSimulator
from ivr.pbxsim.ami_wire import read_recording
from ivr.pbxsim.call import simulate_call
from ivr.services.queue_stats import QueueStats
from tests.ami_hotline import AmiApi

FIXTURES = Path(__file__).parents[1] / "ami" / "fixtures"
T0 = datetime.fromtimestamp(1754450000, UTC)  # the recorded call's Newchannel
DAY = {"from": "2025-08-06T00:00:00+08:00", "to": "2025-08-07T00:00:00+08:00"}


async def until(predicate: Any, within: float = 5.0) -> None:
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - changes arrive over AMI and the database
            await asyncio.sleep(0.005)


async def log_in_everyone(ami_api: AmiApi, hotline: Hotline) -> None:
    for agent in ("A001", "A002", "A003"):
        status, _ = await ami_api("POST", f"/api/agents/{agent}/login", as_agent=agent)
        assert status == 200
    assert hotline.ami is not None
    state = hotline.ami.state
    await until(lambda: sum(len(a.queues) for a in state.agents.values()) == 6)


async def test_three_rings_unanswered_then_answered_is_stored_and_reported_exactly(
    ami_api: AmiApi, ami_sim: AmiSimulator, ami_hotline: Hotline, db: Database
) -> None:
    await log_in_everyone(ami_api, ami_hotline)
    assert ami_hotline.recorder is not None
    await ami_sim.replay(read_recording(FIXTURES / "ring_no_answer_then_answer.ami"))
    await until(lambda: ami_hotline.recorder is not None and ami_hotline.recorder.written == 1)

    async with db.sessionmaker() as session:
        call = await session.get(PbxCall, "1754450000.101")
    assert call is not None and call.pickup_seconds == 1.84
    assert call.ended_at == T0 + timedelta(seconds=184.1)
    (leg,) = await QueueStats(db, threshold=15).legs("1754450000.101")
    assert (leg.queue, leg.outcome, leg.agent, leg.wait_seconds, leg.within_three_rings) == (
        "repair",
        QueueOutcome.ANSWERED,
        "A002",
        24.1,
        False,
    )
    assert [(a.member, a.interface, a.ring_seconds, a.answered) for a in leg.attempts] == [
        ("A001", "PJSIP/8001", 15.0, False),
        ("A002", "PJSIP/8002", 8.07, True),
    ]

    status, body = await ami_api("GET", "/api/stats/service-level", role="supervisor", params=DAY)
    assert status == 200
    expected = {
        "queue": "repair",
        "offered": 1,
        "answered": 1,
        "answered_within_three_rings": 0,
        "answered_within_three_rings_pct": 0.0,
        "abandoned": 0,
        "average_wait_seconds": 24.1,
        "p90_wait_seconds": 24.1,
    }
    assert body["queues"][0] == expected
    assert body["overall"] == expected | {"queue": None}
    assert all(q["offered"] == 0 for q in body["queues"][1:])
    assert body["threshold_seconds"] == 15.0
    assert body["ivr_pickup"] == {
        "calls": 1,
        "within_three_rings": 1,
        "within_three_rings_pct": 100.0,
    }
    # A002 is on the call's wrap-up now, and took one call.
    status, body = await ami_api("GET", "/api/agents", role="supervisor")
    a002 = next(a for a in body["agents"] if a["name"] == "A002")
    assert a002["calls_taken"] == 1


async def test_link_drop_mid_stream_reconnects_rebuilds_state_and_keeps_counting(
    ami_api: AmiApi, ami_sim: AmiSimulator, ami_hotline: Hotline, db: Database
) -> None:
    await log_in_everyone(ami_api, ami_hotline)
    assert ami_hotline.ami is not None and ami_hotline.recorder is not None
    await ami_sim.replay(read_recording(FIXTURES / "ring_no_answer_then_answer.ami"))
    await until(lambda: ami_hotline.recorder is not None and ami_hotline.recorder.written == 1)

    # Unseen by the IVR: A003 paused at the phone while the link was about to fail.
    for queue in ("billing", "general-enquiry"):
        member = ami_sim.pbx.members[(queue, "PJSIP/8003")]
        member.paused, member.reason = True, "meeting"
    abandon = read_recording(FIXTURES / "abandon.ami")
    sent = await ami_sim.replay(abandon, drop_after=3)  # cut inside AgentCalled
    assert sent == 3
    await until(
        lambda: ami_sim.logins == 2 and ami_hotline.ami is not None and ami_hotline.ami.is_up
    )
    await until(lambda: len(ami_sim.actions_named("QueueStatus")) == 2)
    state = ami_hotline.ami.state
    await until(lambda: state.agents["PJSIP/8003"].paused)
    status, body = await ami_api("GET", "/api/agents", role="supervisor")
    assert status == 200
    agents = {a["name"]: a for a in body["agents"]}
    assert (agents["A003"]["status"], agents["A003"]["paused_reason"]) == ("paused", "meeting")
    assert agents["A001"]["queues"] == {"repair": 0, "general": 1}
    assert agents["A002"]["queues"] == {"general": 0, "repair": 1}

    await ami_sim.replay(abandon[4:])  # the rest of the call, on the new connection
    await until(lambda: ami_hotline.recorder is not None and ami_hotline.recorder.written == 2)
    (leg,) = await QueueStats(db, threshold=15).legs("1754450200.201")
    assert (leg.queue, leg.outcome, leg.wait_seconds, leg.agent) == (
        "billing",
        QueueOutcome.ABANDONED,
        9.0,
        None,
    )
    assert leg.attempts == []  # the only AgentCalled was torn by the drop

    status, body = await ami_api("GET", "/api/stats/service-level", role="supervisor", params=DAY)
    overall = body["overall"]
    assert (overall["offered"], overall["answered"], overall["abandoned"]) == (2, 1, 1)
    assert (overall["answered_within_three_rings"], overall["answered_within_three_rings_pct"]) == (
        0,
        0.0,
    )
    assert (overall["average_wait_seconds"], overall["p90_wait_seconds"]) == (16.55, 24.1)
    billing = next(q for q in body["queues"] if q["queue"] == "billing")
    assert (billing["offered"], billing["abandoned"], billing["average_wait_seconds"]) == (
        1,
        1,
        9.0,
    )
    assert body["ivr_pickup"]["calls"] == 2


async def test_calls_are_answered_with_asterisk_s_ami_gone(
    ami_sim: AmiSimulator, ami_hotline: Hotline
) -> None:
    await ami_sim.stop()
    await until(lambda: ami_hotline.ami is not None and not ami_hotline.ami.is_up)
    transcript = await simulate_call("127.0.0.1", ami_hotline.agi_port, hangup_after=2)
    assert transcript.answered and transcript.prompts
