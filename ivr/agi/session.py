"""`AgiChannel`: the `Channel` interface spoken over one FastAGI connection.

Hangup handling follows res_agi.c's `run_agi`: when the caller hangs up Asterisk pushes a
`HANGUP` line (it may arrive before the reply to the command in flight), keeps answering
commands on the dead channel (511 for those not allowed there) and waits for us to close.
A reply of `result=-1` to STREAM FILE or GET DATA means either a hangup or a missing file; a
NOOP then tells them apart, because Asterisk sends `HANGUP` before it reads the next command.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, NoReturn

from ivr.agi.codec import (
    HANGUP_LINE,
    USAGE_END,
    AgiProtocolError,
    AgiReply,
    UnsafeArgument,
    caller_number,
    decode_line,
    format_command,
    is_usage_start,
    parse_reply,
    parse_usage_reply,
    script_args,
    script_name,
)
from ivr.channel import (
    AgiError,
    Channel,
    ChannelHangup,
    ChannelLost,
    DigitsResult,
    PlaybackFailed,
    RecordingFailed,
    RecordResult,
)
from ivr.masking import mask_keys

log = logging.getLogger(__name__)

_DIGITS = re.compile(r"[0-9*#A-Da-d]*")
_APPLICATION = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_FORMAT = re.compile(r"[a-z0-9]+")  # Asterisk's format names: wav, wav16, gsm, sln16, ...
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\(.*\))?")
_MAX_USAGE_LINES = 200


class AgiChannel:
    """One call on a FastAGI connection. Not safe for concurrent commands: a flow runs serially.

    `read_timeout` bounds the wait for replies to quick commands; `media_timeout` is added to
    the caller's own timeouts for playback and digit collection; EXEC (Queue, Dial) has no
    bound of its own because the caller may wait for an agent for as long as the queue allows;
    the server's TCP keepalive notices a vanished Asterisk there.
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        env: Mapping[str, str],
        *,
        read_timeout: float = 30.0,
        media_timeout: float = 600.0,
        peer: str = "",
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._env = MappingProxyType(dict(env))
        self._read_timeout = read_timeout
        self._media_timeout = media_timeout
        self.peer = peer
        self._hangup_seen = False  # Asterisk pushed HANGUP
        self._gone = False  # no further command may be sent
        # (verb, seconds from sending the command to its reply): cheap enough to keep per call.
        self.command_times: list[tuple[str, float]] = []

    # --- the environment ---------------------------------------------------------------------

    @property
    def env(self) -> Mapping[str, str]:
        return self._env

    @property
    def uniqueid(self) -> str:
        return self._env.get("uniqueid", "")

    @property
    def caller_number(self) -> str | None:
        return caller_number(self._env)

    @property
    def script(self) -> str:
        """The requested script: `hotline` for `agi://host:4573/hotline`."""
        return script_name(self._env)

    @property
    def context(self) -> str:
        """The dialplan context that ran AGI() (`agi_context`)."""
        return self._env.get("context", "")

    @property
    def args(self) -> list[str]:
        return script_args(self._env)

    @property
    def hung_up(self) -> bool:
        return self._gone

    # --- commands ----------------------------------------------------------------------------

    async def answer(self) -> None:
        reply = await self.command("ANSWER")
        if reply.result_int < 0:
            self._lose_channel()
            raise ChannelHangup("ANSWER failed: the channel is gone")

    async def stream_file(self, filename: str, escape_digits: str = "") -> str | None:
        _check_digits(escape_digits)
        reply = await self._send("STREAM FILE", (filename, escape_digits), self._media_timeout)
        code = reply.result_int
        if code < 0:
            await self._explain_failure(f"STREAM FILE {filename}")
        return _digit(code, "STREAM FILE") if code > 0 else None

    async def get_data(self, filename: str, timeout_ms: int, max_digits: int) -> DigitsResult:
        if max_digits < 1:
            raise ValueError("max_digits must be at least 1 (Asterisk answers -1 to 0)")
        wait = self._media_timeout + max(timeout_ms, 0) / 1000 * (max_digits + 1)
        reply = await self._send("GET DATA", (filename, str(timeout_ms), str(max_digits)), wait)
        if reply.result == "-1":
            await self._explain_failure(f"GET DATA {filename}")
        if not _DIGITS.fullmatch(reply.result):
            # Keys are account numbers and phone digits: never in a log whole.
            raise AgiError(f"GET DATA {filename}: unexpected result {mask_keys(reply.result)!r}")
        return DigitsResult(digits=reply.result, timed_out=reply.data == "timeout")

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        wait = self._media_timeout + max(timeout_ms, 0) / 1000
        reply = await self._send("WAIT FOR DIGIT", (str(timeout_ms),), wait)
        code = reply.result_int
        if code < 0:  # ast_waitfordigit_full fails only when the channel hangs up
            self._lose_channel()
            raise ChannelHangup("WAIT FOR DIGIT: the caller hung up")
        return _digit(code, "WAIT FOR DIGIT") if code > 0 else None

    async def record_file(
        self,
        filename: str,
        fmt: str = "wav",
        escape_digits: str = "",
        timeout_ms: int = 8000,
        silence_seconds: int | None = 1,
        beep: bool = False,
    ) -> RecordResult:
        """RECORD FILE, with the replies of res_agi.c's `handle_recordfile`.

        A relative `filename` lands under Asterisk's sounds directory, so pass an absolute path
        both sides can read. Asterisk answers `(timeout)` both when the time limit is reached
        and when silence stopped the recording; its `result` is then what was left of the
        last frame wait: 0 at the time limit, the remaining milliseconds after silence.
        """
        _check_digits(escape_digits)
        if not _FORMAT.fullmatch(fmt):
            raise AgiError(f"RECORD FILE: not an Asterisk format name: {fmt!r}")
        if silence_seconds is not None and silence_seconds < 0:
            raise ValueError("silence_seconds must not be negative")
        args = [filename, fmt, escape_digits, str(timeout_ms)]
        if beep:  # any word after the timeout that is neither an offset nor s=N asks for a beep
            args.append("BEEP")
        if silence_seconds:
            args.append(f"s={silence_seconds}")
        wait = self._media_timeout + max(timeout_ms, 0) / 1000
        reply = await self._send("RECORD FILE", tuple(args), wait)
        code, endpos = reply.result_int, reply.endpos or 0
        if reply.data == "dtmf" and code > 0:
            return RecordResult(_digit(code, "RECORD FILE"), "dtmf", endpos)
        if reply.data == "timeout" and code >= 0:
            reason: Literal["silence", "timeout"] = (
                "silence" if silence_seconds and code > 0 else "timeout"
            )
            return RecordResult(None, reason, endpos)
        if reply.data in ("hangup", "waitfor"):  # ast_read found no frame: the channel is gone
            self._lose_channel()
            raise ChannelHangup(f"RECORD FILE {filename}: the caller hung up")
        if reply.data == "writefile":
            raise RecordingFailed(f"RECORD FILE {filename}.{fmt}: Asterisk could not create it")
        if reply.data == "randomerror":  # from the beep, before anything was recorded
            if code > 0:
                return RecordResult(_digit(code, "RECORD FILE"), "dtmf", 0)
            await self._explain_failure("RECORD FILE beep", RecordingFailed)
        raise AgiError(f"RECORD FILE {filename}: unexpected reply {reply.result!r} ({reply.data})")

    async def set_variable(self, name: str, value: str) -> None:
        _check_variable(name)
        await self.command("SET VARIABLE", name, value)

    async def get_variable(self, name: str) -> str | None:
        _check_variable(name)
        reply = await self.command("GET VARIABLE", name)
        return (reply.data or "") if reply.result == "1" else None

    async def exec(self, application: str, *args: str) -> int:
        """Run a dialplan application. Arguments go separately; a comma inside one is refused
        because the application would read it as an argument separator."""
        if not _APPLICATION.fullmatch(application):
            raise AgiError(f"EXEC: not an application name: {application!r}")
        if any("," in arg for arg in args):
            raise AgiError(f"EXEC {application}: an argument contains a comma")
        command_args = [application, ",".join(args)] if args else [application]
        reply = await self._send("EXEC", tuple(command_args), None)
        code = reply.result_int
        if code == -2:
            raise AgiError(f"EXEC {application}: no such application in Asterisk")
        return code

    async def verbose(self, message: str, level: int = 1) -> None:
        await self.command("VERBOSE", message, str(level))

    async def hangup(self) -> None:
        """Hang the call up. Ending a call that is already over is not an error."""
        if self._gone:
            return
        try:
            await self.command("HANGUP")
        except ChannelHangup:
            pass  # the caller hung up first
        finally:
            self._gone = True

    async def noop(self) -> None:
        await self.command("NOOP")

    async def command(self, verb: str, *args: str) -> AgiReply:
        """Send one quick command (bounded by `read_timeout`) and return its 200 reply.

        Raises ChannelHangup when the call is over (before or because of this command) and
        AgiError for 510, 520 or a reply that cannot be parsed.
        """
        return await self._send(verb, args, self._read_timeout)

    async def _send(self, verb: str, args: tuple[str, ...], wait: float | None) -> AgiReply:
        if self._gone:
            raise ChannelHangup(f"{verb}: the call is already over")
        try:
            line = format_command(verb, *args)
        except (UnsafeArgument, ValueError) as exc:
            raise AgiError(f"{verb}: {exc}") from exc
        started = time.perf_counter()
        try:
            self._writer.write(line)
            await self._writer.drain()
        except (ConnectionError, RuntimeError) as exc:
            self._lose_channel()
            raise ChannelLost(f"{verb}: connection to Asterisk lost ({exc})") from exc
        reply = await self._read_reply(verb, wait)
        self.command_times.append((verb, time.perf_counter() - started))
        if reply.code == 511:
            self._gone = True
            raise ChannelHangup(f"{verb}: the channel is dead (511)")
        if reply.code != 200:
            detail = "; ".join(reply.usage) if reply.usage else reply.message
            raise AgiError(f"{verb}: {reply.code} {detail}")
        if self._hangup_seen:
            self._gone = True
            raise ChannelHangup(f"{verb}: the caller hung up")
        return reply

    # --- reading ------------------------------------------------------------------------------

    async def _read_reply(self, verb: str, wait: float | None) -> AgiReply:
        try:
            async with asyncio.timeout(wait):
                while True:
                    line = await self._read_line(verb)
                    if line == HANGUP_LINE:
                        self._hangup_seen = True
                        continue  # the reply to our command still follows
                    if is_usage_start(line):
                        lines = [await self._read_line(verb)]
                        while lines[-1] != USAGE_END:
                            if len(lines) > _MAX_USAGE_LINES:
                                raise AgiProtocolError("520 usage reply too long")
                            lines.append(await self._read_line(verb))
                        return parse_usage_reply(lines)
                    return parse_reply(line)
        except TimeoutError:
            # A late reply would be taken for the next command's: the connection is unusable.
            self._lose_channel()
            raise ChannelLost(f"{verb}: no reply from Asterisk within {wait} s") from None
        except AgiProtocolError as exc:
            self._lose_channel()
            raise AgiError(f"{verb}: {exc}") from exc

    async def _read_line(self, verb: str) -> str:
        try:
            raw = await self._reader.readline()
        except (ConnectionError, ValueError) as exc:  # ValueError: line over the stream limit
            self._lose_channel()
            raise ChannelLost(f"{verb}: connection to Asterisk failed ({exc})") from exc
        if not raw.endswith(b"\n"):
            self._lose_channel()
            if self._hangup_seen:
                raise ChannelHangup(f"{verb}: the caller hung up")
            raise ChannelLost(f"{verb}: Asterisk closed the connection")
        return decode_line(raw)

    async def _explain_failure(
        self, what: str, error: type[AgiError] = PlaybackFailed
    ) -> NoReturn:
        """After `result=-1`: a hangup (Asterisk pushes HANGUP first) or a file it cannot play."""
        await self.command("NOOP")  # raises ChannelHangup when HANGUP came first
        raise error(f"{what}: Asterisk could not play the file")

    def _lose_channel(self) -> None:
        self._gone = True


def _check_digits(digits: str) -> None:
    if not _DIGITS.fullmatch(digits):
        raise AgiError(f"not DTMF digits: {digits!r}")


def _check_variable(name: str) -> None:
    if not _VARIABLE.fullmatch(name):
        raise AgiError(f"not a channel variable name: {name!r}")


if TYPE_CHECKING:  # mypy proves AgiChannel satisfies the Channel protocol
    _protocol_check: type[Channel] = AgiChannel


_DTMF = frozenset("0123456789*#ABCD")


def _digit(code: int, verb: str) -> str:
    """The key Asterisk reports as its character code; anything else is a malformed reply."""
    digit = chr(code) if 0 < code < 0x110000 else ""
    if digit not in _DTMF:
        raise AgiError(f"{verb}: reply {code} is not a phone key")
    return digit
