"""One simulated call: connect to a FastAGI server the way Asterisk does and play it through.

Asterisk's side of FastAGI (res_agi.c `launch_netscript`, `setup_env`, `run_agi`): connect,
send `agi_network: yes`, `agi_network_script`, then the channel's environment and a blank
line; read one command per line (only the trailing newline is stripped), answer it; when the
channel hangs up push `HANGUP` and keep answering on the dead channel until the server closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable, Sequence

from ivr.agi.codec import format_env, split_command
from ivr.pbxsim.caller import Caller, Response
from ivr.pbxsim.commands import AgiEmulator
from ivr.pbxsim.config import PbxConfig
from ivr.pbxsim.transcript import CallTranscript, EndReason, Event, Exchange

_call_numbers = itertools.count(1)


def asterisk_environment(
    host: str,
    port: int,
    *,
    script: str,
    caller: str | None,
    uniqueid: str,
    channel_name: str,
    config: PbxConfig,
    args: Sequence[str] = (),
    caller_name: str | None = None,
) -> dict[str, str]:
    """The `agi_*` header (keys without the prefix), in the order Asterisk 20/22 sends it."""
    env = {"network": "yes"}
    if script:
        env["network_script"] = script
    env |= {
        "request": f"agi://{host}:{port}/{script}",
        "channel": channel_name,
        "language": config.language,
        "type": config.channel_tech,
        "uniqueid": uniqueid,
        "version": config.version,
        "callerid": caller or "unknown",
        "calleridname": caller_name or "unknown",
        "callingpres": "0",
        "callingani2": "0",
        "callington": "0",
        "callingtns": "0",
        "dnid": config.dnid,
        "rdnis": "unknown",
        "context": config.context,
        "extension": config.extension,
        "priority": str(config.priority),
        "enhanced": "0.0",
        "accountcode": "",
        "threadid": str(140_000_000_000_000 + int(uniqueid.rpartition(".")[2] or 0)),
    }
    for number, arg in enumerate(args, start=1):
        env[f"arg_{number}"] = arg
    return env


def new_channel(config: PbxConfig) -> tuple[str, str]:
    """A fresh channel's unique id and name, as Asterisk would give them."""
    number = next(_call_numbers)
    return f"{int(time.time())}.{number}", f"{config.channel_tech}/carrier-{number:08x}"


async def simulate_call(
    host: str,
    port: int,
    *,
    script: str = "hotline",
    caller: str | None = "+8613800138000",
    responses: Sequence[str | Response | None] = (),
    hangup_after: int | None = None,
    config: PbxConfig | None = None,
    caller_model: Caller | None = None,
    args: Sequence[str] = (),
    observer: Callable[[Event], None] | None = None,
    variables: dict[str, str] | None = None,
    channel: tuple[str, str] | None = None,
) -> CallTranscript:
    """Place one call to the FastAGI server at `host:port` and return what happened.

    `responses` is the caller's script (see `ivr.pbxsim.caller`); when it runs out the caller
    hangs up. `hangup_after=N` hangs the caller up right after the N-th command's reply.
    `caller=None` sends the caller id as Asterisk does when it is withheld (`unknown`).
    `channel` (uniqueid, channel name): the same channel trying another FastAGI server
    (`ivr.pbxsim.dialplan`); by default a new channel.
    """
    config = config or PbxConfig()
    model = caller_model or Caller(responses)
    uniqueid, channel_name = channel or new_channel(config)
    transcript = CallTranscript(script=script, caller=caller, uniqueid=uniqueid)
    emulator = AgiEmulator(
        config,
        model,
        transcript,
        channel_name=channel_name,
        variables=dict(variables or {}),  # channel variables (an Originate's `Variable:`)
        observer=observer,
    )
    env = asterisk_environment(
        host, port, script=script, caller=caller, uniqueid=uniqueid,
        channel_name=channel_name, config=config, args=args,
    )
    connected = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port), config.connect_timeout
        )
    except (OSError, TimeoutError) as exc:
        transcript.ended = EndReason.CONNECT_FAILED
        transcript.end_detail = str(exc)
        return transcript
    try:
        writer.write(format_env(env))
        await writer.drain()
        await _converse(reader, writer, emulator, transcript, hangup_after, connected)
    except (ConnectionError, OSError) as exc:
        if transcript.ended is None:
            transcript.ended = EndReason.SCRIPT_ENDED
            transcript.end_detail = f"connection failed: {exc}"
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError, TimeoutError):
            await asyncio.wait_for(writer.wait_closed(), 1.0)
    transcript.responses_left = model.responses_left
    transcript.responses_exhausted = model.exhausted
    return transcript


async def _converse(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    emulator: AgiEmulator,
    transcript: CallTranscript,
    hangup_after: int | None,
    connected: float,
) -> None:
    count = 0
    replied = None  # real time the last reply went out
    while True:
        try:
            raw = await asyncio.wait_for(reader.readline(), emulator.config.command_timeout)
        except TimeoutError:
            if transcript.ended is None:
                transcript.ended = EndReason.IVR_SILENT
                transcript.end_detail = f"no command for {emulator.config.command_timeout} s"
            return
        if not raw.endswith(b"\n"):  # the server closed the connection
            if transcript.ended is None:
                transcript.ended = EndReason.SCRIPT_ENDED
            return
        if replied is not None:
            transcript.turnarounds.append(time.perf_counter() - replied)
        # run_agi strips only the trailing "\n": a stray "\r" stays part of the last word.
        line = raw[:-1].decode("utf-8", errors="replace")
        count += 1
        at = emulator.clock.now
        reply = await emulator.handle(line)
        if hangup_after is not None and count == hangup_after:
            reply += emulator.caller_hangs_up()
        writer.write(reply.encode("utf-8"))
        await writer.drain()
        replied = time.perf_counter()
        words = split_command(line)
        if transcript.answer_latency is None and words and words[0].lower() == "answer":
            transcript.answer_latency = replied - connected
        transcript.exchanges.append(Exchange(at, line, reply.rstrip("\n")))
