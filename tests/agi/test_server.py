"""The FastAGI server and AgiChannel over real TCP, driven by the PBX simulator and raw sockets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from ivr.agi.server import AgiServer, start_agi_server
from ivr.agi.session import AgiChannel
from ivr.channel import (
    AgiError,
    ChannelHangup,
    ChannelLost,
    DigitsResult,
    PlaybackFailed,
)
from ivr.pbxsim import EndReason, PbxConfig, SoundLibrary, simulate_call

SOUNDS = SoundLibrary(
    virtual={"welcome": "Welcome.", "menu": "Press 1 or 2.", "account": "Enter your account."}
)
CONFIG = PbxConfig(sounds=SOUNDS)


class Recorder:
    """A test handler's view of the call: what it got back, and how it ended."""

    def __init__(self) -> None:
        self.results: list[Any] = []
        self.ended: BaseException | None = None
        self.done = asyncio.Event()
        self.answered = asyncio.Event()
        self.channels: list[AgiChannel] = []


Script = Callable[[AgiChannel, Recorder], Awaitable[None]]


async def _serve(script: Script, rec: Recorder, **options: Any) -> AgiServer:
    async def handler(channel: AgiChannel) -> None:
        rec.channels.append(channel)
        try:
            await script(channel, rec)
        except Exception as exc:
            rec.ended = exc
            raise
        finally:
            rec.done.set()

    options.setdefault("read_timeout", 2.0)
    return await start_agi_server(handler, "127.0.0.1", 0, **options)


@pytest.fixture
async def running() -> AsyncIterator[Callable[..., Awaitable[tuple[AgiServer, Recorder]]]]:
    servers: list[AgiServer] = []

    async def start(script: Script, **options: Any) -> tuple[AgiServer, Recorder]:
        rec = Recorder()
        server = await _serve(script, rec, **options)
        servers.append(server)
        return server, rec

    yield start
    for server in servers:
        await server.close(grace=1.0)


async def full_call(ch: AgiChannel, rec: Recorder) -> None:
    """Every command the Channel interface offers, in the order a menu flow uses them."""
    await ch.answer()
    rec.results.append(await ch.stream_file("welcome"))
    rec.results.append(await ch.stream_file("menu", "12"))
    rec.results.append(await ch.wait_for_digit(3000))
    rec.results.append(await ch.get_data("account", 5000, 10))
    await ch.set_variable("IVR_ACCOUNT", rec.results[-1].digits)
    rec.results.append(await ch.get_variable("IVR_ACCOUNT"))
    rec.results.append(await ch.get_variable("NOT_SET"))
    await ch.verbose("caller identified", 3)
    rec.results.append(await ch.exec("Goto", "hotline", "s", "1"))
    await ch.hangup()


FULL_CALL_COMMANDS = 11


async def test_every_command_path(running: Any) -> None:
    server, rec = await running(full_call)
    t = await simulate_call(
        "127.0.0.1", server.port, responses=["2", "", "5100012345#"], config=CONFIG
    )
    await asyncio.wait_for(rec.done.wait(), 2)
    assert rec.ended is None
    assert rec.results == [
        None,
        "2",
        None,
        DigitsResult("5100012345", timed_out=False),
        "5100012345",
        None,
        0,
    ]
    assert t.ended is EndReason.IVR_HUNG_UP
    assert t.prompts == ["Welcome.", "Press 1 or 2.", "Enter your account."]
    assert t.variables == {"IVR_ACCOUNT": "5100012345"}
    assert [(a.application, a.args) for a in t.apps] == [("Goto", "hotline,s,1")]
    assert t.answered and t.answer_latency is not None
    assert t.commands[0] == "ANSWER" and t.commands[-1] == "HANGUP"
    assert len(t.exchanges) == FULL_CALL_COMMANDS
    channel = rec.channels[0]
    assert channel.script == "hotline" and channel.caller_number == "+8613800138000"
    assert [verb for verb, _ in channel.command_times][:2] == ["ANSWER", "STREAM FILE"]
    assert all(seconds >= 0 for _, seconds in channel.command_times)


@pytest.mark.parametrize("after", range(1, FULL_CALL_COMMANDS))
async def test_hangup_after_every_command_ends_the_flow(running: Any, after: int) -> None:
    server, rec = await running(full_call)
    t = await simulate_call(
        "127.0.0.1",
        server.port,
        responses=["2", "", "5100012345#"],
        hangup_after=after,
        config=CONFIG,
    )
    await asyncio.wait_for(rec.done.wait(), 2)
    if after < FULL_CALL_COMMANDS - 1:
        assert isinstance(rec.ended, ChannelHangup), rec.ended
    else:  # the flow's own HANGUP meets a dead channel: not an error
        assert rec.ended is None
    assert t.ended is EndReason.CALLER_HUNG_UP
    # Asterisk pushed HANGUP after reply `after`; the flow sent one more command at most.
    assert len(t.exchanges) == after + 1
    assert "HANGUP" in t.exchanges[after - 1].reply.splitlines()
    assert rec.channels[0].hung_up
    assert server.live_connections == 0


@pytest.mark.parametrize("command", ["get_data", "wait_for_digit"])
async def test_caller_hangs_up_while_listening(running: Any, command: str) -> None:
    async def script(ch: AgiChannel, rec: Recorder) -> None:
        await ch.answer()
        if command == "stream_file":
            await ch.stream_file("menu", "12")
        elif command == "get_data":
            await ch.get_data("account", 5000, 10)
        else:
            await ch.wait_for_digit(5000)
        rec.results.append("not reached")

    server, rec = await running(script)
    t = await simulate_call("127.0.0.1", server.port, responses=["h"], config=CONFIG)
    await asyncio.wait_for(rec.done.wait(), 2)
    assert isinstance(rec.ended, ChannelHangup) and not isinstance(rec.ended, ChannelLost)
    assert rec.results == []
    assert t.ended is EndReason.CALLER_HUNG_UP
    assert t.exchanges[1].reply.endswith("HANGUP")


async def test_missing_sound_file_is_a_playback_failure_not_a_hangup(running: Any) -> None:
    async def script(ch: AgiChannel, rec: Recorder) -> None:
        await ch.answer()
        for call in (ch.stream_file("no-such-prompt", "1"), ch.get_data("nope", 1000, 4)):
            try:
                await call
            except PlaybackFailed as exc:
                rec.results.append(str(exc))
        rec.results.append(await ch.wait_for_digit(1000))

    server, rec = await running(script)
    t = await simulate_call("127.0.0.1", server.port, responses=["7"], config=CONFIG)
    await asyncio.wait_for(rec.done.wait(), 2)
    assert rec.ended is None
    assert len(rec.results) == 3 and "no-such-prompt" in rec.results[0]
    assert rec.results[2] == "7"
    assert t.exchanges[1].reply == "200 result=-1 endpos=0"
    assert t.exchanges[2].command == "NOOP"  # how the channel told a missing file from a hangup
    assert t.ended is EndReason.SCRIPT_ENDED


async def test_unknown_command_and_bad_syntax_raise_agi_error(running: Any) -> None:
    async def script(ch: AgiChannel, rec: Recorder) -> None:
        for verb, args in (("FOO BAR", ()), ("STREAM FILE", ("menu",)), ("SAY DIGITS", ("1",))):
            try:
                await ch.command(verb, *args)
            except AgiError as exc:
                rec.results.append(str(exc))
        try:
            await ch.exec("NoSuchApp")
        except AgiError as exc:
            rec.results.append(str(exc))

    server, rec = await running(script)
    t = await simulate_call("127.0.0.1", server.port, config=CONFIG)
    await asyncio.wait_for(rec.done.wait(), 2)
    assert rec.results[0] == "FOO BAR: 510 Invalid or unknown command"
    assert rec.results[1].startswith("STREAM FILE: 520 STREAM FILE <filename>")
    assert rec.results[2].startswith("SAY DIGITS: 510")
    assert "NoSuchApp" in rec.results[3]
    assert t.unsupported == ["SAY DIGITS"]


async def test_dead_channel_commands_after_hangup_push(running: Any) -> None:
    """SET VARIABLE is allowed on a dead channel, so Asterisk answers 200 after HANGUP."""

    async def script(ch: AgiChannel, rec: Recorder) -> None:
        await ch.answer()
        try:
            await ch.set_variable("IVR_STEP", "1")
        except ChannelHangup:
            rec.results.append("hangup seen")
        try:
            await ch.answer()
        except ChannelHangup:
            rec.results.append("still over")
        await ch.hangup()  # ending an ended call is not an error

    server, rec = await running(script)
    t = await simulate_call("127.0.0.1", server.port, hangup_after=1, config=CONFIG)
    await asyncio.wait_for(rec.done.wait(), 2)
    assert rec.ended is None
    assert rec.results == ["hangup seen", "still over"]
    assert t.exchanges[1].reply == "200 result=1"
    assert len(t.exchanges) == 2  # nothing sent once the call was known to be over


async def test_injection_attempts_never_leave_their_argument(running: Any) -> None:
    hostile = 'Zhang "San" \\ ; EXEC Hangup'

    async def script(ch: AgiChannel, rec: Recorder) -> None:
        await ch.set_variable("IVR_NAME", hostile)
        rec.results.append(await ch.get_variable("IVR_NAME"))
        for value in ("x\nEXEC Hangup", "x\rEXEC Hangup", "x\0"):
            try:
                await ch.set_variable("IVR_NAME", value)
            except AgiError:
                rec.results.append("refused")
        for bad in (("Queue", "general,t"), ("Queue;Hangup",)):
            try:
                await ch.exec(*bad)
            except AgiError:
                rec.results.append("refused")
        try:
            await ch.set_variable("A B", "1")
        except AgiError:
            rec.results.append("refused")

    server, rec = await running(script)
    t = await simulate_call("127.0.0.1", server.port, config=CONFIG)
    await asyncio.wait_for(rec.done.wait(), 2)
    assert rec.results == [hostile] + ["refused"] * 6
    assert t.variables == {"IVR_NAME": hostile}
    assert t.commands == [f'SET VARIABLE "IVR_NAME" "{_esc(hostile)}"', 'GET VARIABLE "IVR_NAME"']
    assert t.apps == []


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


async def test_script_name_and_arguments_reach_the_handler(running: Any) -> None:
    async def script(ch: AgiChannel, rec: Recorder) -> None:
        rec.results += [ch.script, ch.args, ch.uniqueid, ch.caller_number, ch.env["network"]]

    server, rec = await running(script)
    t = await simulate_call(
        "127.0.0.1", server.port, script="outage", caller=None, args=["storm"], config=CONFIG
    )
    await asyncio.wait_for(rec.done.wait(), 2)
    assert rec.results == ["outage", ["storm"], t.uniqueid, None, "yes"]
    assert t.ended is EndReason.SCRIPT_ENDED


# --- defensive reads, with raw sockets ---------------------------------------------------------


async def _raw(server: AgiServer, data: bytes, *, close: bool = False) -> bytes:
    """Send `data`, then read until the server closes; returns what the server sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(data)
    await writer.drain()
    if close:
        writer.write_eof()
    try:
        return await asyncio.wait_for(reader.read(), 3)
    finally:
        writer.close()


async def _good_call_still_works(server: AgiServer) -> None:
    t = await simulate_call("127.0.0.1", server.port, responses=["1"], config=CONFIG)
    assert t.answered


async def answer_only(ch: AgiChannel, rec: Recorder) -> None:
    await ch.answer()


@pytest.mark.parametrize(
    "data",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\n\n",
        b"agi_network: yes\n" + b"agi_x: " + b"y" * 70000 + b"\n\n",
    ],
    ids=["http", "empty", "tls", "huge-line"],
)
async def test_malformed_header_costs_only_its_connection(
    running: Any, data: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    server, rec = await running(answer_only)
    with caplog.at_level(logging.WARNING, logger="ivr.agi.server"):
        assert await _raw(server, data) == b""
    assert not rec.channels
    assert "rejected connection" in caplog.text and "127.0.0.1:" in caplog.text
    await _good_call_still_works(server)


async def test_oversized_header_is_refused(running: Any) -> None:
    server, rec = await running(answer_only, header_limit=1024)
    header = b"agi_network: yes\n" + b"".join(b"agi_v%d: %s\n" % (i, b"x" * 50) for i in range(40))
    assert await _raw(server, header + b"\n") == b""
    assert not rec.channels


async def test_half_open_header_times_out(running: Any) -> None:
    server, rec = await running(answer_only, header_timeout=0.2)
    started = asyncio.get_running_loop().time()
    assert await _raw(server, b"agi_network: yes\nagi_uniq") == b""
    assert asyncio.get_running_loop().time() - started < 2
    assert not rec.channels and server.live_connections == 0


async def test_peer_closing_before_end_of_header(running: Any) -> None:
    server, rec = await running(answer_only)
    assert await _raw(server, b"agi_network: yes\n", close=True) == b""
    assert not rec.channels


async def test_silent_asterisk_mid_call_is_a_lost_channel(running: Any) -> None:
    server, rec = await running(answer_only, read_timeout=0.2)
    sent = await _raw(server, b"agi_network: yes\nagi_uniqueid: 1.1\n\n")
    await asyncio.wait_for(rec.done.wait(), 2)
    assert sent == b'ANSWER\n'
    assert isinstance(rec.ended, ChannelLost)
    assert server.live_connections == 0


async def test_peer_closing_early_ends_the_handler_without_spinning(running: Any) -> None:
    async def loop_forever(ch: AgiChannel, rec: Recorder) -> None:
        while True:  # a flow that keeps going until the channel says the call is over
            await ch.verbose("tick")
            rec.results.append("tick")

    server, rec = await running(loop_forever)
    await _raw(server, b"agi_network: yes\nagi_uniqueid: 1.2\n\n", close=True)
    await asyncio.wait_for(rec.done.wait(), 2)
    assert isinstance(rec.ended, ChannelLost)
    assert rec.results == []
    assert server.live_connections == 0


async def test_malformed_reply_mid_call(running: Any) -> None:
    server, rec = await running(answer_only)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"agi_network: yes\nagi_uniqueid: 1.3\n\n")
    assert await reader.readline() == b"ANSWER\n"
    writer.write(b"OK then\n")
    assert await asyncio.wait_for(reader.read(), 2) == b""
    writer.close()
    await asyncio.wait_for(rec.done.wait(), 2)
    assert isinstance(rec.ended, AgiError) and "malformed" in str(rec.ended)


async def test_handler_failure_is_logged_with_peer_and_uniqueid(
    running: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(ch: AgiChannel, rec: Recorder) -> None:
        await ch.answer()
        raise RuntimeError("flow bug")

    server, _rec = await running(broken)
    with caplog.at_level(logging.ERROR, logger="ivr.agi.server"):
        t = await simulate_call("127.0.0.1", server.port, config=CONFIG)
    assert t.ended is EndReason.SCRIPT_ENDED
    assert f"call {t.uniqueid}" in caplog.text and "127.0.0.1:" in caplog.text
    assert "flow bug" in caplog.text
    assert "8613800138000" not in caplog.text  # the caller's number is masked
    await _good_call_still_works(server)


async def test_graceful_close_waits_then_cancels_live_calls(running: Any) -> None:
    async def slow(ch: AgiChannel, rec: Recorder) -> None:
        await ch.answer()
        rec.answered.set()
        await asyncio.sleep(30)

    server, rec = await running(slow)
    call = asyncio.create_task(simulate_call("127.0.0.1", server.port, config=CONFIG))
    await asyncio.wait_for(rec.answered.wait(), 2)
    await server.close(grace=0.1)
    t = await asyncio.wait_for(call, 2)
    assert t.ended is EndReason.SCRIPT_ENDED
    assert server.live_connections == 0


async def test_hundreds_of_simultaneous_calls(running: Any) -> None:
    server, _rec = await running(full_call)
    calls = [
        simulate_call(
            "127.0.0.1", server.port, responses=["1", "9", "5100012345#"], config=CONFIG
        )
        for _ in range(300)
    ]
    transcripts = await asyncio.wait_for(asyncio.gather(*calls), 30)
    assert all(t.ended is EndReason.IVR_HUNG_UP for t in transcripts)
    assert len({t.uniqueid for t in transcripts}) == 300
    assert server.calls_total == 300


@pytest.mark.parametrize("reply", [b"200 result=5100012345xyz\n", b"200 result=5100 012345\n"])
async def test_a_non_digit_keypad_result_is_logged_masked(
    running: Any, reply: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    async def collect(ch: AgiChannel, rec: Recorder) -> None:
        await ch.get_data("account", 5000, 10)

    server, rec = await running(collect)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    with caplog.at_level(logging.DEBUG):
        writer.write(b"agi_network: yes\nagi_uniqueid: 1.1\n\n")
        assert (await asyncio.wait_for(reader.readline(), 3)).startswith(b"GET DATA")
        writer.write(reply)
        await asyncio.wait_for(rec.done.wait(), 3)
        await asyncio.wait_for(reader.read(), 3)
    writer.close()
    assert "5100012345" not in caplog.text and "012345" not in caplog.text
    assert "****" in caplog.text  # the failure is logged, masked
