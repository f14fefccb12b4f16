"""AMI state after a reconnect: checked against CoreShowChannels and QueueStatus, so calls that
ended while the link was down do not linger, and callers who joined meanwhile are seen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ivr.ami.codec import AmiMessage, MessageReader
from ivr.ami.service import AmiService
from ivr.ami.state import ENDED_UNSEEN, HotlineState
from ivr.pbxsim.ami_server import AmiSimulator
from ivr.services.queue_records import CallRecord

FAST: dict[str, Any] = {"backoff_initial": 0.05, "action_timeout": 2.0, "connect_timeout": 2.0}
QUEUE = "general-enquiry"  # Asterisk's name of the hotline's general queue


@pytest.fixture
async def linked() -> AsyncIterator[tuple[AmiService, AmiSimulator, list[CallRecord]]]:
    finished: list[CallRecord] = []
    async with AmiSimulator() as sim:
        ami = AmiService(sim.url, HotlineState(on_call_finished=finished.append), **FAST)
        ami.start()
        try:
            assert await ami.client.wait_up(3)
            yield ami, sim, finished
        finally:
            await ami.close()


def waiting(ami: AmiService) -> list[str]:
    (view,) = ami.queue_views(["general"])[:1]
    return [w.uniqueid for w in view.waiting]


async def logged_in_and_sent(sim: AmiSimulator, actions: bytes,
                             last_event: str) -> list[AmiMessage]:
    """Log in over a raw socket, send `actions` as bytes, read every message up to the event
    `last_event`: what the simulator writes, byte for byte, with no client in between."""
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    writer.write(b"Action: Login\r\nUsername: hotline-ivr\r\nSecret: test-secret\r\n\r\n"
                 + actions)
    parser = MessageReader(expect_banner=True)
    messages: list[AmiMessage] = []
    while not any(m.get("Event") == last_event for m in messages):
        messages += parser.feed(await asyncio.wait_for(reader.read(65536), 5))
    writer.close()
    return messages


async def until(condition: Any, within: float = 5.0) -> None:
    for _ in range(int(within / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


async def test_calls_that_ended_while_the_link_was_down_are_closed_on_reconnect(
    linked: tuple[AmiService, AmiSimulator, list[CallRecord]],
) -> None:
    ami, sim, finished = linked
    pbx = sim.pbx
    for uid, number in (("1700.1", "13800000001"), ("1700.2", "13800000002")):
        await sim.emit(pbx.call_starts(uid, number))
        await sim.emit(pbx.joins_queue(uid, QUEUE))
    await until(lambda: waiting(ami) == ["1700.1", "1700.2"])

    logins = sim.logins
    await sim.drop_all()  # the link goes down ...
    pbx.hangs_up("1700.1")  # ... and meanwhile one caller gives up: nobody hears of it
    pbx.call_starts("1700.3", "13800000003")  # and another arrives and waits
    pbx.joins_queue("1700.3", QUEUE)
    await until(lambda: sim.logins > logins and ami.is_up)
    await until(lambda: "1700.1" not in ami.state.calls)

    assert [a["Action"] for a in sim.actions[-2:]] == ["CoreShowChannels", "QueueStatus"]
    assert waiting(ami) == ["1700.2", "1700.3"]
    (record,) = finished
    assert record.uniqueid == "1700.1" and record.hangup_cause == ENDED_UNSEEN
    assert record.legs[0].abandoned and record.ended_at is not None
    assert set(ami.state.calls) == {"1700.2", "1700.3"}


async def test_an_agent_talking_to_a_call_that_ended_unseen_is_free_again(
    linked: tuple[AmiService, AmiSimulator, list[CallRecord]],
) -> None:
    ami, sim, finished = linked
    pbx = sim.pbx
    await sim.emit(pbx.call_starts("1800.1", "13800000009"))
    await sim.emit(pbx.joins_queue("1800.1", QUEUE))
    await sim.emit({"Event": "AgentConnect", "Privilege": "agent,all", "Queue": QUEUE,
                    "Uniqueid": "1800.1", "Interface": "PJSIP/8001", "MemberName": "A001"})
    await until(lambda: ami.state.agents.get("PJSIP/8001") is not None
                and ami.state.agents["PJSIP/8001"].on_call_with == "1800.1")
    await sim.drop_all()
    pbx.hangs_up("1800.1")  # the call ends; neither Hangup nor AgentComplete is seen
    await until(lambda: "1800.1" not in ami.state.calls)
    assert ami.state.agents["PJSIP/8001"].on_call_with is None
    (record,) = finished
    assert record.legs[0].connected_at is not None and record.legs[0].completed_at is not None


async def test_core_show_channels_is_answered_as_asterisk_22_lays_it_out() -> None:
    async with AmiSimulator() as sim:
        sim.pbx.call_starts("1900.1", "13800000001", channel="PJSIP/carrier-00000001")
        messages = await logged_in_and_sent(
            sim, b"Action: CoreShowChannels\r\nActionID: c1\r\n\r\n",
            last_event="CoreShowChannelsComplete")
    ack, channel, complete = messages[1:]
    assert list(ack.items_in_order) == [("Response", "Success"), ("ActionID", "c1"),
                                        ("EventList", "start"),
                                        ("Message", "Channels will follow")]
    assert [k for k, _ in channel.items_in_order] == [
        "Event", "ActionID", "Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum",
        "CallerIDName", "ConnectedLineNum", "ConnectedLineName", "Language", "AccountCode",
        "Context", "Exten", "Priority", "Uniqueid", "Linkedid", "Application",
        "ApplicationData", "Duration", "BridgeId"]
    assert channel["Uniqueid"] == "1900.1" and channel["Duration"] == "00:00:00"
    assert list(complete.items_in_order) == [
        ("Event", "CoreShowChannelsComplete"), ("ActionID", "c1"), ("EventList", "Complete"),
        ("ListItems", "1")]


async def test_core_show_channels_needs_the_reporting_class_as_on_asterisk_22() -> None:
    # manager.c registers CoreShowChannels for system,reporting: a user whose write lacks both
    # (the shipped manager-ivr.conf once granted only originate,agent) is refused.
    async with AmiSimulator(write=frozenset({"originate", "agent"})) as sim:
        messages = await logged_in_and_sent(
            sim, b"Action: CoreShowChannels\r\nActionID: c1\r\n\r\n"
                 b"Action: QueueStatus\r\nActionID: q1\r\n\r\n",
            last_event="QueueStatusComplete")
    refused = next(m for m in messages if m.get("ActionID") == "c1")
    assert (refused["Response"], refused["Message"]) == ("Error", "Permission denied")
    queue = next(m for m in messages if m.get("ActionID") == "q1")
    assert queue["Response"] == "Success"  # QueueStatus is registered with no class


async def test_a_user_without_the_reporting_class_stays_linked_with_a_clear_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # manager.conf without `reporting`: CoreShowChannels and QueueStatus are refused. That is
    # configuration, not a passing fault: one clear error, the link kept for live events,
    # not a reconnect every few seconds for ever.
    async with AmiSimulator(read=frozenset({"call", "agent"}),
                            write=frozenset({"originate", "agent"})) as sim:
        ami = AmiService(sim.url, HotlineState(), **FAST)
        ami.start()
        try:
            assert await ami.client.wait_up(3)
            await until(lambda: ami.resync_refused is not None)
            await asyncio.sleep(0.5)  # ten backoffs' worth: a reconnect would have come
            assert sim.logins == 1 and ami.client.connects == 1
            assert ami.resync_refused == "Permission denied"
            errors = [r for r in caplog.records if r.levelname == "ERROR"]
            assert len(errors) == 1 and "`reporting`" in errors[0].getMessage()
            await sim.emit(sim.pbx.call_starts("1701.1", "13800000009"))  # live events count
            await sim.emit(sim.pbx.joins_queue("1701.1", QUEUE))
            await until(lambda: waiting(ami) == ["1701.1"])
        finally:
            await ami.close()
