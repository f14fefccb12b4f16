"""AgiChannel.record_file over real TCP: against the PBX simulator, and against scripted raw
replies for the res_agi answers the simulator does not produce (beep failures, waitfor)."""

from __future__ import annotations

import asyncio
import shutil
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from ivr.agi.codec import format_env
from ivr.agi.server import AgiServer, start_agi_server
from ivr.agi.session import AgiChannel
from ivr.channel import AgiError, ChannelHangup, RecordingFailed, RecordResult
from ivr.pbxsim import EndReason, PbxConfig, SoundLibrary, Spoke, simulate_call

needs_voice = pytest.mark.skipif(
    not (shutil.which("espeak-ng") and shutil.which("sox")), reason="needs espeak-ng and sox"
)
CONFIG = PbxConfig(sounds=SoundLibrary(virtual={"ask": "After the tone, say what you need."}))
Flow = Callable[[AgiChannel], Awaitable[Any]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Flow], Awaitable[tuple[AgiServer, list[Any]]]]]:
    servers: list[AgiServer] = []

    async def start(flow: Flow) -> tuple[AgiServer, list[Any]]:
        outcome: list[Any] = []

        async def handler(channel: AgiChannel) -> None:
            try:
                outcome.append(await flow(channel))
            except Exception as exc:
                outcome.append(exc)

        server = await start_agi_server(handler, "127.0.0.1", 0, read_timeout=2.0)
        servers.append(server)
        return server, outcome

    yield start
    for server in servers:
        await server.close(grace=1.0)


@needs_voice
async def test_every_ending_of_a_recording(serve: Any, tmp_path: Path) -> None:
    async def flow(ch: AgiChannel) -> list[RecordResult]:
        await ch.answer()
        await ch.stream_file("ask")
        results = [await ch.record_file(str(tmp_path / "said"), beep=True)]
        results.append(await ch.record_file(str(tmp_path / "quiet"), timeout_ms=1500,
                                            silence_seconds=None))
        results.append(await ch.record_file(str(tmp_path / "keyed"), escape_digits="#*"))
        await ch.hangup()
        return results

    server, outcome = await serve(flow)
    transcript = await simulate_call("127.0.0.1", server.port, config=CONFIG,
                                     responses=["say:repair", "", "*"])
    await server.close(grace=1.0)
    said, quiet, keyed = outcome[0]
    with wave.open(str(tmp_path / "said.wav"), "rb") as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (8000, 2, 1)
        assert said == RecordResult(None, "silence", wav.getnframes())
    assert quiet == RecordResult(None, "timeout", 12000)
    assert keyed == RecordResult("*", "dtmf", 4800)  # key at 0.8 s, less the 200 ms chopped
    assert transcript.ended is EndReason.IVR_HUNG_UP
    assert transcript.commands[2] == (
        f'RECORD FILE "{tmp_path}/said" "wav" "" "8000" "BEEP" "s=1"'
    )
    assert transcript.commands[3] == f'RECORD FILE "{tmp_path}/quiet" "wav" "" "1500"'
    spoken = [e for e in transcript.events if isinstance(e, Spoke)]
    assert [e.words for e in spoken] == ["repair", None, None]


@needs_voice
async def test_hangup_while_recording_raises_channel_hangup(serve: Any, tmp_path: Path) -> None:
    async def flow(ch: AgiChannel) -> RecordResult:
        await ch.answer()
        return await ch.record_file(str(tmp_path / "gone"))

    server, outcome = await serve(flow)
    transcript = await simulate_call("127.0.0.1", server.port, config=CONFIG, responses=["h"])
    await server.close(grace=1.0)
    assert isinstance(outcome[0], ChannelHangup)
    assert transcript.ended is EndReason.CALLER_HUNG_UP
    assert transcript.exchanges[-1].reply == "200 result=-1 (hangup) endpos=6400\nHANGUP"


async def test_unwritable_file_is_a_recording_failure_and_the_call_goes_on(
    serve: Any, tmp_path: Path
) -> None:
    async def flow(ch: AgiChannel) -> Any:
        await ch.answer()
        try:
            await ch.record_file(str(tmp_path / "no" / "such" / "dir"))
        except RecordingFailed as exc:
            await ch.hangup()
            return exc
        return None

    server, outcome = await serve(flow)
    transcript = await simulate_call("127.0.0.1", server.port, config=CONFIG, responses=["1"])
    await server.close(grace=1.0)
    assert isinstance(outcome[0], RecordingFailed) and "could not create" in str(outcome[0])
    assert transcript.ended is EndReason.IVR_HUNG_UP and transcript.responses_left == 1


async def test_arguments_are_checked_before_anything_is_sent(serve: Any) -> None:
    async def flow(ch: AgiChannel) -> list[str]:
        await ch.answer()
        problems = []
        for kwargs in ({"fmt": "wav -1"}, {"escape_digits": "1x"}, {"silence_seconds": -1}):
            try:
                await ch.record_file("/tmp/x", **kwargs)
            except (AgiError, ValueError) as exc:
                problems.append(type(exc).__name__)
        await ch.hangup()
        return problems

    server, outcome = await serve(flow)
    transcript = await simulate_call("127.0.0.1", server.port, config=CONFIG)
    await server.close(grace=1.0)
    assert outcome[0] == ["AgiError", "AgiError", "ValueError"]
    assert transcript.commands == ["ANSWER", "HANGUP"]


async def _scripted_asterisk(port: int, replies: list[str]) -> list[str]:
    """A raw FastAGI peer: sends the header, then answers each command with the next reply."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(format_env({"network": "yes", "network_script": "hotline", "uniqueid": "1.1"}))
    commands = []
    for reply in replies:
        line = await reader.readline()
        if not line:
            break
        commands.append(line.decode().rstrip("\n"))
        writer.write(reply.encode())
        await writer.drain()
    await reader.read()  # until the server closes
    writer.close()
    return commands


@pytest.mark.parametrize(
    ("replies", "expected"),
    [
        # A key during the beep: nothing was recorded.
        (["200 result=49 (randomerror) endpos=0\n"], RecordResult("1", "dtmf", 0)),
        # The beep could not play, the channel still up (NOOP answers normally).
        (["200 result=-1 (randomerror) endpos=0\n", "200 result=0\n"], RecordingFailed),
        # The same reply when the caller hung up during the beep: HANGUP precedes the NOOP reply.
        (["200 result=-1 (randomerror) endpos=0\n", "HANGUP\n200 result=0\n"], ChannelHangup),
        (["200 result=-1 (waitfor) endpos=160\n"], ChannelHangup),
        # Silence detection not asked for: a positive leftover is still a timeout.
        (["200 result=12 (timeout) endpos=800\n"], RecordResult(None, "timeout", 800)),
        (["200 result=0 (whatever) endpos=800\n"], AgiError),
    ],
)
async def test_replies_from_res_agi(serve: Any, replies: list[str], expected: Any) -> None:
    async def flow(ch: AgiChannel) -> RecordResult:
        return await ch.record_file("/var/spool/asterisk/x", "wav", "1", 3000,
                                    silence_seconds=None)

    server, outcome = await serve(flow)
    commands = await asyncio.wait_for(_scripted_asterisk(server.port, replies), 5)
    await server.close(grace=1.0)
    assert commands[0] == 'RECORD FILE "/var/spool/asterisk/x" "wav" "1" "3000"'
    if isinstance(expected, RecordResult):
        assert outcome == [expected]
    else:
        assert type(outcome[0]) is expected
