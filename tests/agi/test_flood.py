"""A connection flood (idle half-headers, junk, more than the cap) never takes calls down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest

from ivr.agi.limits import RepeatLog, default_max_connections
from ivr.agi.server import AgiServer, start_agi_server
from ivr.agi.session import AgiChannel
from ivr.pbxsim import PbxConfig, SoundLibrary, simulate_call
from ivr.pbxsim.transcript import CallTranscript

CONFIG = PbxConfig(sounds=SoundLibrary(virtual={"welcome": "Welcome."}))
HALF_HEADER = b"agi_network: yes\nagi_uniqueid: 1.1\n"


class Calls:
    """A handler whose calls stay in progress until `release` is set."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = 0
        self.finished = 0
        self.all_started = asyncio.Event()
        self.expected = 0

    async def __call__(self, channel: AgiChannel) -> None:
        await channel.answer()
        self.started += 1
        if self.started == self.expected:
            self.all_started.set()
        await self.release.wait()
        await channel.stream_file("welcome")
        self.finished += 1


@pytest.fixture
async def calls() -> Calls:
    return Calls()


@pytest.fixture
async def server(calls: Calls) -> AsyncIterator[AgiServer]:
    running = await start_agi_server(calls, "127.0.0.1", 0, max_connections=20,
                                     header_timeout=1.0, read_timeout=5.0)
    yield running
    calls.release.set()
    await running.close(grace=2)


async def half_headers(server: AgiServer, count: int) -> list[asyncio.StreamWriter]:
    writers = []
    for _ in range(count):
        _reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(HALF_HEADER)
        writers.append(writer)
    await asyncio.sleep(0.1)
    return writers


async def call(server: AgiServer) -> asyncio.Task[CallTranscript]:
    return asyncio.create_task(simulate_call("127.0.0.1", server.port, config=CONFIG))


async def test_idle_half_headers_at_the_cap_do_not_keep_a_call_out(
    server: AgiServer, calls: Calls
) -> None:
    writers = await half_headers(server, 30)  # more than the cap of 20
    assert server.live_connections <= 20
    calls.release.set()
    transcript = await asyncio.wait_for(
        simulate_call("127.0.0.1", server.port, config=CONFIG), 5)
    assert transcript.answered and calls.finished == 1
    assert server.evicted_total >= 11
    for writer in writers:
        writer.close()


async def test_at_the_cap_of_live_calls_new_connections_are_refused_and_calls_carry_on(
    server: AgiServer, calls: Calls
) -> None:
    calls.expected = 20
    live = [await call(server) for _ in range(20)]
    await asyncio.wait_for(calls.all_started.wait(), 5)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(HALF_HEADER + b"\n")
    with contextlib.suppress(ConnectionResetError):  # reset: the header went unread
        assert await asyncio.wait_for(reader.read(), 2) == b""  # refused, never an ANSWER
    writer.close()
    assert server.refused_total == 1
    calls.release.set()
    transcripts = await asyncio.wait_for(asyncio.gather(*live), 10)
    assert calls.finished == 20 and all(t.answered for t in transcripts)
    later = await asyncio.wait_for(simulate_call("127.0.0.1", server.port, config=CONFIG), 5)
    assert later.answered  # under the cap again: new calls are served


async def test_a_header_must_arrive_within_the_deadline(server: AgiServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    started = asyncio.get_running_loop().time()
    for chunk in (b"agi_network: yes\n", b"agi_uniqueid: 1.1\n", b"agi_channel: x\n"):
        writer.write(chunk)  # trickled: each line in time for a per-read timeout, not for one
        await asyncio.sleep(0.4)
    assert await asyncio.wait_for(reader.read(), 3) == b""
    assert asyncio.get_running_loop().time() - started < 2.5
    writer.close()


async def test_repeated_failures_are_logged_once_per_interval(
    server: AgiServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="ivr.agi.server"):
        for _ in range(100):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"GET / HTTP/1.1\r\n\r\n")
            await reader.read()
            writer.close()
        await server.close(grace=0)  # writes the summary of what was held back
    lines = [r.getMessage() for r in caplog.records if r.name == "ivr.agi.server"]
    assert len([line for line in lines if "rejected connection" in line]) == 1
    assert any("99 more connections rejected" in line for line in lines)


def test_the_repeat_log_summarises_each_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    repeats = RepeatLog(logging.getLogger("test.repeats"), 10, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="test.repeats"):
        for i in range(50):
            now[0] = i * 0.5  # 25 s of failures, two a second
            repeats.log(logging.WARNING, "failures", "failed %d", i)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["failed 0", "FastAGI: 19 more failures in the last 10 s", "failed 20",
                        "FastAGI: 19 more failures in the last 10 s", "failed 40"]


def test_the_default_cap_leaves_room_under_the_open_file_limit() -> None:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    cap = default_max_connections()
    assert 16 <= cap < soft
