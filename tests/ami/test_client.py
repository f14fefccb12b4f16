"""The AMI client against the AMI simulator, over real TCP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ivr.ami.client import AmiActionError, AmiClient, AmiUrl, AmiUrlError
from ivr.ami.codec import UnsafeHeaderValue
from ivr.ami.connection import AmiNotConnected
from ivr.ami.service import AmiService
from ivr.ami.state import HotlineState
from ivr.asterisk_names import hotline_queue
from ivr.pbxsim.ami_server import AmiSimulator
from ivr.pbxsim.ami_wire import read_recording
from ivr.services.pbx import AgentStatus
from ivr.services.queue_records import CallRecord, LegOutcome

FIXTURES = Path(__file__).parent / "fixtures"
FAST: dict[str, Any] = {
    "backoff_initial": 0.01,
    "backoff_max": 0.05,
    "action_timeout": 2.0,
    "connect_timeout": 2.0,
}


@pytest.fixture
async def sim() -> AsyncIterator[AmiSimulator]:
    async with AmiSimulator() as simulator:
        yield simulator


async def until(predicate: Any, within: float = 3.0) -> None:
    """Poll a condition that network I/O will make true; fail after `within` seconds."""
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - the condition has no event to wait on
            await asyncio.sleep(0.005)


async def test_login_then_events_reach_the_sink(sim: AmiSimulator) -> None:
    received: list[Mapping[str, Any]] = []
    client = AmiClient(sim.url, on_event=received.append, **FAST)
    client.start()
    try:
        assert await client.wait_up(3)
        login = sim.actions_named("Login")[0]
        assert (login["Username"], login["Secret"], login["Events"]) == (
            "hotline-ivr",
            "test-secret",
            "on",
        )
        await sim.replay(read_recording(FIXTURES / "abandon.ami"))
        await until(lambda: any(e.get("Event") == "AgentDump" for e in received))
        assert [e["Event"] for e in received if e["Event"] != "FullyBooted"][:3] == [
            "Newchannel",
            "Newstate",
            "QueueCallerJoin",
        ]
    finally:
        await client.close()
    assert not client.is_up


async def test_wrong_secret_is_not_up_and_keeps_retrying_with_backoff(sim: AmiSimulator) -> None:
    url = AmiUrl("hotline-ivr", "wrong", sim.host, sim.port)
    client = AmiClient(url, **FAST)
    client.start()
    try:
        await until(lambda: len(sim.actions_named("Login")) >= 3)
        assert not client.is_up and sim.logins == 0
    finally:
        await client.close()


async def test_no_asterisk_listening_is_not_up_and_does_not_raise() -> None:
    async with AmiSimulator() as gone:
        port = gone.port
    client = AmiClient(f"ami://u:s@127.0.0.1:{port}", **FAST)
    client.start()
    try:
        assert not await client.wait_up(0.2)
        with pytest.raises(AmiNotConnected):
            await client.ping()
    finally:
        await client.close()


async def test_reconnects_after_a_drop_mid_message_and_resyncs_state(sim: AmiSimulator) -> None:
    finished: list[CallRecord] = []
    state = HotlineState(on_call_finished=finished.append)
    service = AmiService(sim.url, state, **FAST)
    service.start()
    try:
        assert await service.client.wait_up(3)
        members = read_recording(FIXTURES / "members_login.ami")
        for m in members:  # the simulated PBX learns the members, as QueueAdd would do
            queue = hotline_queue(m["Queue"])
            await service.client.queue_add(
                queue, m["Interface"], member_name=m["MemberName"], penalty=int(m["Penalty"])
            )
        call = read_recording(FIXTURES / "ring_no_answer_then_answer.ami")
        # The call goes on in Asterisk while the link is down: CoreShowChannels lists it.
        sim.pbx.call_starts(call[0]["Uniqueid"], call[0].get("CallerIDNum", ""))
        sent = await sim.replay(call, drop_after=5)  # cut inside the AgentRingNoAnswer message
        assert sent == 5
        await until(lambda: sim.logins == 2 and service.is_up)
        await until(lambda: len(sim.actions_named("QueueStatus")) == 2)
        await until(lambda: len(state.agent_views()) == 3)
        a001 = next(a for a in state.agent_views() if a.name == "A001")
        assert a001.queues == {"repair": 0, "general": 1}
        await sim.replay(call[5:])  # the rest of the call, seen on the new connection
        await until(lambda: len(finished) == 1)
        (leg,) = finished[0].legs
        assert leg.outcome is LegOutcome.ANSWERED and leg.agent == "A002"
        assert leg.wait_seconds == 24.1
        # The torn AgentRingNoAnswer never arrived: A001's attempt ends when A002 answers.
        assert [(a.member, a.answered) for a in leg.attempts] == [("A001", False), ("A002", True)]
    finally:
        await service.close()


async def test_half_dead_link_is_detected_by_the_ping_deadline(sim: AmiSimulator) -> None:
    client = AmiClient(sim.url, ping_interval=0.05, ping_timeout=0.1, **FAST)
    client.start()
    try:
        assert await client.wait_up(3)
        await until(lambda: len(sim.actions_named("Ping")) >= 2)
        assert sim.logins == 1  # answered pings keep the link
        sim.answer_pings = False
        await until(lambda: sim.logins >= 2)  # unanswered ping: dropped and logged in again
        sim.answer_pings = True
        assert await client.wait_up(3)
    finally:
        await client.close()


async def test_cr_lf_in_any_value_is_refused_before_sending(sim: AmiSimulator) -> None:
    client = AmiClient(sim.url, **FAST)
    client.start()
    try:
        assert await client.wait_up(3)
        with pytest.raises(UnsafeHeaderValue):
            await client.originate(
                "PJSIP/13800138000@carrier",
                context="hotline-outbound",
                exten="s",
                caller_id="95598\r\nAction: Hangup",
            )
        with pytest.raises(UnsafeHeaderValue):
            await client.originate(
                "PJSIP/1@carrier",
                application="Playback",
                data="x",
                variables={"IVR_ACCOUNT": "51\n00"},
            )
        with pytest.raises(UnsafeHeaderValue):
            await client.queue_pause("PJSIP/8001", True, reason="lunch\r\nAction: QueueRemove")
        await client.ping()  # the session is intact and in step
        names = [a["Action"] for a in sim.actions]
        assert "Originate" not in names and "QueuePause" not in names and "Hangup" not in names
    finally:
        await client.close()


async def test_queue_membership_actions(sim: AmiSimulator) -> None:
    state = HotlineState()
    client = AmiClient(sim.url, on_event=state.feed, **FAST)
    client.start()
    try:
        assert await client.wait_up(3)
        await client.queue_add(
            "repair", "PJSIP/8001", penalty=0, member_name="A001", state_interface="PJSIP/8001"
        )
        await client.queue_add("general", "PJSIP/8001", penalty=1, member_name="A001")
        with pytest.raises(AmiActionError, match="Already there"):
            await client.queue_add("repair", "PJSIP/8001")
        await client.queue_pause("PJSIP/8001", True, reason="training")
        await until(
            lambda: state.agents.get("PJSIP/8001") is not None and state.agents["PJSIP/8001"].paused
        )
        (agent,) = state.agent_views()
        assert agent.status is AgentStatus.PAUSED and agent.paused_reason == "training"
        assert agent.queues == {"repair": 0, "general": 1}
        await client.queue_pause("PJSIP/8001", False, queue="repair")
        await client.queue_remove("general", "PJSIP/8001")
        with pytest.raises(AmiActionError, match="Not there"):
            await client.queue_remove("general", "PJSIP/8001")
        await until(lambda: state.agents["PJSIP/8001"].queues == {"repair": 0})
        assert sim.actions_named("QueueAdd")[1]["Queue"] == "general-enquiry"
        assert sim.actions_named("QueueRemove")[0]["Queue"] == "general-enquiry"
        add = sim.actions_named("QueueAdd")[0]
        assert (add["Queue"], add["Interface"], add["Penalty"], add["MemberName"]) == (
            "repair",
            "PJSIP/8001",
            "0",
            "A001",
        )
        status = await client.queue_status()
        assert [e["Event"] for e in status].count("QueueParams") == 5
        assert [
            e["Location"] if "Location" in e else e["Interface"]
            for e in status
            if e["Event"] == "QueueMember"
        ] == ["PJSIP/8001"]
    finally:
        await client.close()


async def test_originate_is_async_and_its_outcome_arrives_as_an_event(sim: AmiSimulator) -> None:
    outcomes: list[Mapping[str, Any]] = []
    client = AmiClient(
        sim.url,
        on_event=lambda e: outcomes.append(e) if e.get("Event") == "OriginateResponse" else None,
        **FAST,
    )
    client.start()
    try:
        assert await client.wait_up(3)
        reply = await client.originate(
            "Local/13800138000@hotline-test",
            context="hotline-outbound",
            exten="survey",
            variables={"IVR_TICKET": "R2025000001"},
            ring_seconds=15,
            action_id="survey-1",
        )
        assert reply["Message"] == "Originate successfully queued"
        await until(lambda: bool(outcomes))
        assert outcomes[0]["ActionID"] == "survey-1" and outcomes[0]["Response"] == "Success"
        sent = sim.actions_named("Originate")[0]
        assert (sent["Timeout"], sent["Async"], sent["Variable"]) == (
            "15000",
            "true",
            "IVR_TICKET=R2025000001",
        )
        with pytest.raises(ValueError):
            await client.originate("Local/1@x")
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ami://hotline-ivr:s3cr%2Ft@127.0.0.1:5038", AmiUrl("hotline-ivr", "s3cr/t", "127.0.0.1")),
        ("ami://u:p@asterisk", AmiUrl("u", "p", "asterisk", 5038)),
        ("ami://u:p@[::1]:6038", AmiUrl("u", "p", "::1", 6038)),
    ],
)
def test_url_parsing(url: str, expected: AmiUrl) -> None:
    assert AmiUrl.parse(url) == expected
    assert "p@" not in repr(AmiUrl.parse(url)) and "s3cr" not in repr(AmiUrl.parse(url))


@pytest.mark.parametrize(
    "url",
    [
        "http://u:p@h:5038",
        "ami://h:5038",
        "ami://u@h",
        "ami://u:p@h:99999",
        "ami://u:p@h/x",
        "ami://u:p%0D%0AAction:%20Originate@h",
    ],
)
def test_bad_urls_are_refused_with_the_setting_name(url: str) -> None:
    with pytest.raises(AmiUrlError, match="IVR_AMI_URL"):
        AmiUrl.parse(url)


async def test_originate_refuses_a_variable_that_would_set_another() -> None:
    client = AmiClient(AmiUrl.parse("ami://u:s@127.0.0.1:5038"), on_event=lambda _e: None)
    with pytest.raises(UnsafeHeaderValue, match="Originate variable"):
        await client.originate("Local/1@x", application="Wait", data="1",
                               variables={"IVR_ACCOUNT": "1,IVR_TICKET=forged"})


async def test_a_connect_that_finishes_after_its_timeout_leaves_no_second_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with AmiSimulator() as sim:
        loop = asyncio.get_running_loop()
        real = loop.create_connection
        attempts = 0

        async def late_first(*args: Any, **kwargs: Any) -> Any:
            nonlocal attempts
            attempts += 1
            if attempts == 1:  # a retransmitted SYN: this connect succeeds after the timeout
                await asyncio.sleep(0.6)
            return await real(*args, **kwargs)

        monkeypatch.setattr(loop, "create_connection", late_first)
        client = AmiClient(sim.url, connect_timeout=0.3, backoff_initial=0.05, backoff_max=0.1)
        client.start()
        assert await client.wait_up(within=3.0)
        await asyncio.sleep(0.6)  # the late connect has arrived by now
        assert attempts >= 2
        assert sim.connected == 1
        await client.close()
        await asyncio.sleep(0.1)
        assert sim.connected == 0
