"""The AMI connection's reader against a peer that writes exact bytes, over real TCP: responses
matched by ActionID, events in between, and a stream that ends where it should not."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest

from ivr.ami.codec import AmiMessage, MessageReader
from ivr.ami.connection import AmiConnection, AmiNotConnected

BANNER = b"Asterisk Call Manager/11.0.0\r\n"


class Peer:
    """The Asterisk end of one connection, scripted by the test."""

    def __init__(self) -> None:
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._actions: asyncio.Queue[AmiMessage] = asyncio.Queue()
        self._accepted = asyncio.Event()
        self.banner = BANNER

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        writer.write(self.banner)
        self._accepted.set()
        parser = MessageReader()
        while data := await reader.read(4096):
            for action in parser.feed(data):
                self._actions.put_nowait(action)

    async def action(self) -> AmiMessage:
        return await asyncio.wait_for(self._actions.get(), 2)

    async def send(self, data: bytes) -> None:
        await self._accepted.wait()
        assert self._writer is not None
        self._writer.write(data)
        await self._writer.drain()

    async def hang_up(self) -> None:
        assert self._writer is not None
        self._writer.close()

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    far = Peer()
    await far.start()
    yield far
    await far.stop()


@pytest.fixture
async def events() -> list[Mapping[str, Any]]:
    return []


@pytest.fixture
async def conn(peer: Peer, events: list[Mapping[str, Any]]) -> AsyncIterator[AmiConnection]:
    connection = await AmiConnection.open("127.0.0.1", peer.port, events.append)
    yield connection
    await connection.close()


def message(*lines: str) -> bytes:
    return "".join(f"{line}\r\n" for line in lines).encode() + b"\r\n"


async def test_responses_find_their_actions_by_action_id_in_any_order(
    peer: Peer, conn: AmiConnection
) -> None:
    ping = asyncio.create_task(conn.request([("Action", "Ping")]))
    remove = asyncio.create_task(
        conn.request([("Action", "QueueRemove"), ("Queue", "repair"), ("Interface", "PJSIP/8001")])
    )
    first, second = await peer.action(), await peer.action()
    assert first.action_id and second.action_id and first.action_id != second.action_id
    await peer.send(
        message("Response: Error", f"ActionID: {second.action_id}", "Message: Not there")
        + message("Response: Success", f"ActionID: {first.action_id}", "Ping: Pong")
    )
    assert (await ping)[0]["Ping"] == "Pong"
    assert (await remove)[0]["Message"] == "Not there"
    assert conn.banner == "11.0.0"


async def test_a_response_nobody_waits_for_is_dropped_and_the_stream_goes_on(
    peer: Peer, conn: AmiConnection, events: list[Mapping[str, Any]], caplog: Any
) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(conn.request([("Action", "Ping")]), 0.05)
    late = (await peer.action()).action_id
    caplog.set_level(logging.WARNING, "ivr.ami.connection")
    await peer.send(
        message("Response: Success", f"ActionID: {late}", "Ping: Pong")
        + message("Response: Success", "ActionID: not-ours-7", "Message: Added interface")
        + message("Event: FullyBooted", "Status: Fully Booted")
    )
    ping = asyncio.create_task(conn.request([("Action", "Ping")]))
    await peer.send(message("Response: Success", f"ActionID: {(await peer.action()).action_id}"))
    assert (await ping)[0]["Response"] == "Success"
    assert [e["Event"] for e in events] == ["FullyBooted"]
    dropped = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == 2 and "not-ours-7" in dropped[1]


async def test_events_interleaved_with_a_list_reach_the_sink_and_the_list_its_action(
    peer: Peer, conn: AmiConnection, events: list[Mapping[str, Any]]
) -> None:
    status = asyncio.create_task(conn.request([("Action", "QueueStatus")], as_list=True))
    own = (await peer.action()).action_id
    await peer.send(
        message("Response: Success", f"ActionID: {own}", "EventList: start")
        + message("Event: Newchannel", "Uniqueid: 1754450000.1")
        + message("Event: QueueParams", "Queue: repair", f"ActionID: {own}")
        + message("Event: OriginateResponse", "ActionID: survey-1", "Response: Success")
    )
    await peer.send(
        message("Event: QueueMember", "Queue: repair", "Location: PJSIP/8001", f"ActionID: {own}")
        + message("Event: QueueStatusComplete", f"ActionID: {own}", "EventList: Complete")
    )
    reply = await status
    assert [m.get("Event") for m in reply] == [
        None,
        "QueueParams",
        "QueueMember",
        "QueueStatusComplete",
    ]
    assert [e["Event"] for e in events] == ["Newchannel", "OriginateResponse"]


async def test_an_event_with_the_action_id_ahead_of_the_response_is_an_event(
    peer: Peer, conn: AmiConnection, events: list[Mapping[str, Any]]
) -> None:
    originate = asyncio.create_task(conn.request([("Action", "Originate"), ("ActionID", "s-1")]))
    assert (await peer.action()).action_id == "s-1"
    await peer.send(
        message("Event: OriginateResponse", "ActionID: s-1", "Response: Failure")
        + message("Response: Success", "ActionID: s-1", "Message: Originate successfully queued")
    )
    assert (await originate)[0]["Message"] == "Originate successfully queued"
    assert [(e["Event"], e["Response"]) for e in events] == [("OriginateResponse", "Failure")]
    with pytest.raises(ValueError, match="in flight"):
        both = [("Action", "Ping"), ("ActionID", "s-2")]
        first = asyncio.create_task(conn.request(both))
        await asyncio.sleep(0)
        try:
            await conn.request(both)
        finally:
            first.cancel()
            await asyncio.gather(first, return_exceptions=True)


async def test_end_of_stream_mid_message_fails_the_action_in_flight(
    peer: Peer, conn: AmiConnection, events: list[Mapping[str, Any]]
) -> None:
    queue_add = asyncio.create_task(conn.request([("Action", "QueueAdd")]))
    own = (await peer.action()).action_id
    reply = message("Response: Success", f"ActionID: {own}", "Message: Added interface to queue")
    await peer.send(message("Event: AgentCalled", "Queue: repair") + reply[: len(reply) // 2])
    await peer.hang_up()
    with pytest.raises(AmiNotConnected, match="middle of a message"):
        await queue_add
    await asyncio.wait_for(conn.wait_closed(), 2)
    assert not conn.is_open
    assert [e["Event"] for e in events] == ["AgentCalled"]
    with pytest.raises(AmiNotConnected):
        await conn.request([("Action", "Ping")])


async def test_a_character_cut_across_two_reads_arrives_whole(
    peer: Peer, conn: AmiConnection, events: list[Mapping[str, Any]]
) -> None:
    data = message("Event: Newchannel", "CallerIDName: 李娜", "Uniqueid: 1754450000.2")
    cut = data.index("李".encode()) + 1  # inside the character's three bytes
    await peer.send(data[:cut])
    await asyncio.sleep(0.05)  # two TCP reads, not one
    await peer.send(data[cut:])
    async with asyncio.timeout(2):
        while not events:  # noqa: ASYNC110 - the event arrives over the socket
            await asyncio.sleep(0.005)
    assert events[0]["CallerIDName"] == "李娜"


async def test_a_peer_that_is_not_asterisk_ends_the_stream(peer: Peer) -> None:
    peer.banner = b"SSH-2.0-OpenSSH_9.6\r\n"
    conn = await AmiConnection.open("127.0.0.1", peer.port, lambda _e: None)
    try:
        await asyncio.wait_for(conn.wait_closed(), 2)
        assert not conn.is_open and conn.banner is None
    finally:
        await conn.close()
