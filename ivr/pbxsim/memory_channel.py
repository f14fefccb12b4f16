"""`MemoryChannel`: the `Channel` port in memory, for flow tests that need no FastAGI or sockets.

It answers as `ivr.agi.session.AgiChannel` does over the PBX simulator: the same scripted
caller (`ivr.pbxsim.caller`: `"1"`, `"5100012345#"`, `""` for silence, `"h"` to hang up,
`"say:..."`), consumed by the same commands, the same exceptions (`ChannelHangup` from the
caller's hang-up on, `PlaybackFailed`, `RecordingFailed`, `AgiError` for arguments Asterisk
would refuse), and the same Queue/Dial results and the variables they leave. What the flow
asked for is kept in order: `commands` (every AGI command, as AgiChannel would send it),
`played` (every file played) and `recordings`.

Beyond the simulator's script, a caller can press keys or hang up during a given prompt
(`press(..., during=...)`, `hang_up_during(...)`) or press keys only once it has finished
(`after_prompt`), and a recording can be scripted by its result (a `RecordResult`, or
`RecordingFailed` when Asterisk could not write it).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, NoReturn

from ivr.agi.codec import UnsafeArgument, format_command
from ivr.flow.channel import (
    AgiError,
    Channel,
    ChannelHangup,
    DigitsResult,
    PlaybackFailed,
    RecordingFailed,
    RecordResult,
)
from ivr.pbxsim import (
    DEFAULT_APPLICATIONS,
    HANG_UP,
    ExecBehaviour,
    PbxConfig,
    Response,
    asterisk_environment,
    parse_response,
)
from ivr.pbxsim.voice import RECORD_FORMATS

_DIGITS = re.compile(r"[0-9*#A-Da-d]*")
_APPLICATION = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_FORMAT = re.compile(r"[a-z0-9]+")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\(.*\))?")
_calls = itertools.count(1)


def queue_returns(status: str) -> ExecBehaviour:
    """Queue handing the caller back to the dialplan with QUEUESTATUS (`TIMEOUT`, ...)."""
    return ExecBehaviour(0, sets={"QUEUESTATUS": status})


def dial_returns(status: str) -> ExecBehaviour:
    """Dial returning to the dialplan with DIALSTATUS (`ANSWER`, `NOANSWER`, `BUSY`, ...), as
    the hotline tests' `dial_status` does."""
    return ExecBehaviour(0, sets={"DIALSTATUS": status})


@dataclass(frozen=True)
class DuringPrompt:
    """Keys pressed, or a hang-up, while a file whose name contains `prompt` plays."""

    prompt: str
    response: Response


def press(digits: str, *, during: str) -> DuringPrompt:
    response = parse_response(digits)
    if response.kind != "keys":
        raise ValueError(f"press: not phone keys: {digits!r}")
    return DuringPrompt(during, response)


def hang_up_during(prompt: str) -> DuringPrompt:
    return DuringPrompt(prompt, HANG_UP)


@dataclass(frozen=True)
class _AfterPrompt(Response):
    """Keys the caller presses only once the prompt has finished."""


def after_prompt(digits: str) -> Response:
    """Keys pressed when asked (GET DATA, WAIT FOR DIGIT), never during a playback: a menu
    then reads them with WAIT FOR DIGIT after its prompt."""
    response = parse_response(digits)
    if response.kind != "keys":
        raise ValueError(f"after_prompt: not phone keys: {digits!r}")
    return _AfterPrompt("keys", response.digits)


@dataclass(frozen=True)
class Command:
    """One AGI command as AgiChannel would send it: `STREAM FILE`, (`/path`, `0123`)."""

    verb: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recording:
    filename: str
    fmt: str
    result: RecordResult


class ScriptError(AssertionError):
    """The test's caller script does not fit the command the flow sent (a test mistake)."""


ScriptStep = str | Response | RecordResult | RecordingFailed


class MemoryChannel:
    """One scripted call, in memory. Not safe for concurrent commands, like AgiChannel."""

    def __init__(
        self,
        responses: Iterable[ScriptStep | None] = (),
        *,
        caller: str | None = "+8613800138000",
        during: Sequence[DuringPrompt] = (),
        hangup_after: int | None = None,
        unplayable: Sequence[str] = (),
        applications: Mapping[str, ExecBehaviour] | None = None,
        variables: Mapping[str, str] | None = None,
        when_done: Response = HANG_UP,
        on_record: Callable[[str, str, Response], None] | None = None,
    ) -> None:
        """`responses`: one per time the flow listens (GET DATA, WAIT FOR DIGIT, RECORD FILE),
        as `ivr.pbxsim.caller` reads them; when they run out the caller does `when_done` (hangs
        up). `hangup_after=N`: the caller hangs up right after the N-th command, as
        `simulate_call` does. `unplayable`: files (substrings of the name) Asterisk cannot play.
        `applications` override the simulator's (`DEFAULT_APPLICATIONS`): a Queue or Dial
        there reaches a person and the call ends with the conversation. `on_record(filename, fmt,
        response)` lets a test put audio where Asterisk would have written it."""
        self._pending: list[Response | RecordResult | RecordingFailed] = [
            step if isinstance(step, RecordResult | RecordingFailed) else parse_response(step)
            for step in responses
        ]
        self._during = list(during)
        self._hangup_after = hangup_after
        self._unplayable = tuple(unplayable)
        self._apps = {k.lower(): v for k, v in DEFAULT_APPLICATIONS.items()} | {
            k.lower(): v for k, v in (applications or {}).items()
        }
        self._when_done = when_done
        self._on_record = on_record
        number = next(_calls)
        self._config = config = PbxConfig()  # the simulator's caller timing, for recordings
        self._env = MappingProxyType(asterisk_environment(
            "127.0.0.1", 4573, script="hotline", caller=caller, uniqueid=f"1700000000.{number}",
            channel_name=f"{config.channel_tech}/memory-{number:08x}", config=config,
        ))
        self.variables: dict[str, str] = dict(variables or {})
        self.commands: list[Command] = []
        self.played: list[str] = []  # every file the flow asked to play, in order
        self.recordings: list[Recording] = []
        self.keys_pressed: list[str] = []  # keys the flow read, as the caller pressed them
        self.answered = False
        self._caller_left = False  # the caller hung up; the channel learns it at its next command
        self._gone = False  # the channel knows: no further command is sent

    # --- the environment ---------------------------------------------------------------------

    @property
    def env(self) -> Mapping[str, str]:
        return self._env

    @property
    def uniqueid(self) -> str:
        return self._env.get("uniqueid", "")

    @property
    def caller_number(self) -> str | None:
        number = self._env.get("callerid", "").strip()
        return None if number in ("", "unknown") else number

    @property
    def hung_up(self) -> bool:
        return self._gone

    @property
    def responses_left(self) -> int:
        return len(self._pending)

    def verbs(self) -> list[str]:
        return [c.verb for c in self.commands]

    # --- commands ----------------------------------------------------------------------------

    async def answer(self) -> None:
        self._send("ANSWER")
        self.answered = True

    async def stream_file(self, filename: str, escape_digits: str = "") -> str | None:
        _check_digits(escape_digits)
        self._send("STREAM FILE", filename, escape_digits)
        self._play(filename)
        targeted = self._take_during(filename)
        if targeted is not None and targeted.kind == "keys":
            # Asterisk stops only for an escape digit and drops any other key.
            digit = targeted.digits[0]
            return self._take_digits(1, targeted) if digit in escape_digits else None
        if escape_digits:
            # The scripted caller answers the menu during its prompt when the key is one it
            # listens for; otherwise the prompt plays out and the answer waits for a question.
            response = self._peek()
            if (isinstance(response, Response) and response.kind == "keys"
                    and not isinstance(response, _AfterPrompt)
                    and response.digits[0] in escape_digits):
                return self._take_digits(1)
        return None

    async def get_data(self, filename: str, timeout_ms: int, max_digits: int) -> DigitsResult:
        if max_digits < 1:
            raise ValueError("max_digits must be at least 1 (Asterisk answers -1 to 0)")
        self._send("GET DATA", filename, str(timeout_ms), str(max_digits))
        self._play(filename)
        response = self._take_during(filename) or self._peek()
        if isinstance(response, RecordResult | RecordingFailed):
            raise ScriptError(f"GET DATA {filename}: the script has a recording result next")
        if response.kind == "hangup" or (timeout_ms < 0 and response.kind != "keys"):
            self._take()  # a silent caller left waiting for ever gives up too
            self._caller_hangs_up("GET DATA", explained=True)
        if response.kind != "keys":  # silence, or speech (GET DATA hears keys only)
            self._take()
            return DigitsResult("", timed_out=True)
        # ast_app_getdata_full waits 2 s between keys unless told; the simulated caller keys
        # one every `digit_interval`, so a shorter wait ends the entry after the first key.
        between_ms = 2000 if timeout_ms == 0 else timeout_ms
        collected = ""
        for used, digit in enumerate(response.digits, start=1):
            if used > 1 and self._config.digit_interval * 1000 >= between_ms:
                self._take_digits(used - 1, response)
                return DigitsResult(collected, timed_out=True)
            if digit == "#":  # `#` ends the entry and is not returned
                self._take_digits(used, response)
                return DigitsResult(collected, timed_out=False)
            collected += digit
            if len(collected) >= max_digits:
                # A lone `#` right after a full entry is dropped between commands.
                rest = response.digits[used:]
                self._take_digits(used + (rest == "#"), response)
                return DigitsResult(collected, timed_out=False)
        self._take_digits(len(response.digits), response)
        return DigitsResult(collected, timed_out=True)

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        self._send("WAIT FOR DIGIT", str(timeout_ms))
        if timeout_ms == 0:
            return None
        response = self._peek()
        if isinstance(response, RecordResult | RecordingFailed):
            raise ScriptError("WAIT FOR DIGIT: the script has a recording result next")
        if response.kind == "keys":
            return self._take_digits(1)
        self._take()
        if response.kind == "hangup" or timeout_ms < 0:
            self._caller_hangs_up("WAIT FOR DIGIT")
        return None

    async def record_file(
        self,
        filename: str,
        fmt: str = "wav",
        escape_digits: str = "",
        timeout_ms: int = 8000,
        silence_seconds: int | None = 1,
        beep: bool = False,
    ) -> RecordResult:
        _check_digits(escape_digits)
        if not _FORMAT.fullmatch(fmt):
            raise AgiError(f"RECORD FILE: not an Asterisk format name: {fmt!r}")
        if silence_seconds is not None and silence_seconds < 0:
            raise ValueError("silence_seconds must not be negative")
        args = [filename, fmt, escape_digits, str(timeout_ms)]
        if beep:
            args.append("BEEP")
        if silence_seconds:
            args.append(f"s={silence_seconds}")
        self._send("RECORD FILE", *args)
        step = self._pop()  # keys are logged below: only those read before it ended
        if isinstance(step, RecordingFailed):
            raise step
        if isinstance(step, RecordResult):
            result = step
        else:
            if fmt not in RECORD_FORMATS:  # what the simulator cannot write, Asterisk could not
                raise RecordingFailed(f"RECORD FILE {filename}.{fmt}: no such format")
            result = self._recorded(step, escape_digits, timeout_ms, silence_seconds or 0, fmt)
            if self._on_record is not None:
                self._on_record(filename, fmt, step)
        self.recordings.append(Recording(filename, fmt, result))
        return result

    def _recorded(self, response: Response, escape: str, timeout_ms: int,
                  silence_seconds: int, fmt: str) -> RecordResult:
        """How RECORD FILE ends for the scripted caller: the first of the time limit, silence,
        an escape key or a hang-up, timed as the PBX simulator times its caller."""
        react = self._config.reaction_seconds * 1000
        interval = self._config.digit_interval * 1000
        silence_ms = silence_seconds * 1000
        # Speech is not synthesised here: taken as the simulator's onset and about a second.
        voice_end = self._config.speech_onset * 1000 + 1000 if response.spoken else 0.0
        digits = response.digits if response.kind == "keys" else ""
        presses = [react + i * interval for i in range(len(digits))]
        ends: list[tuple[float, int, str]] = []  # (ms, rank on a tie, how)
        if timeout_ms >= 0:
            ends.append((timeout_ms, 0, "timeout"))
        if silence_ms > 0:
            ends.append((voice_end + silence_ms, 1, "silence"))
        for at, digit in zip(presses, digits, strict=True):
            if escape and digit in escape:
                ends.append((at, 2, "dtmf"))
                break
        if response.kind == "hangup":
            ends.append((react, 3, "hangup"))
        if not ends:  # no limit and nothing to stop it: the caller gives up
            ends.append((voice_end + self._config.patience_seconds * 1000, 3, "hangup"))
        end_ms, _rank, how = min(ends)
        used = 0
        if digits:
            # Keys pressed before the end are read (and dropped unless one ends it); later
            # ones stay pending for the next command.
            used = sum(1 for at in presses if at < end_ms) + (how == "dtmf")
            self.keys_pressed.append(digits[:used])
            if digits[used:]:
                self._pending.insert(0, Response("keys", digits[used:]))
        elif response.kind == "hangup" and how != "hangup":
            self._pending.insert(0, response)  # the caller meant to hang up later
        if how == "hangup":
            self._caller_hangs_up("RECORD FILE")
        # Asterisk cuts off the 200 ms around a key, and all but one second of the silence.
        rewind = {"dtmf": 200.0, "silence": max(0.0, silence_ms - 1000.0)}.get(how, 0.0)
        endpos = int(max(0.0, end_ms - rewind)) * RECORD_FORMATS[fmt][1] // 1000
        if how == "dtmf":
            return RecordResult(digits[used - 1], "dtmf", endpos)
        return RecordResult(None, "silence" if how == "silence" else "timeout", endpos)

    async def set_variable(self, name: str, value: str) -> None:
        _check_variable(name)
        self._send("SET VARIABLE", name, value)
        self.variables[name] = value

    async def get_variable(self, name: str) -> str | None:
        _check_variable(name)
        self._send("GET VARIABLE", name)
        builtins = {
            "CHANNEL": self._env["channel"],
            "CHANNEL(name)": self._env["channel"],
            "UNIQUEID": self.uniqueid,
            "CHANNEL(uniqueid)": self.uniqueid,
            "CALLERID(num)": self.caller_number or "",
        }
        return self.variables.get(name, builtins.get(name))

    async def exec(self, application: str, *args: str) -> int:
        if not _APPLICATION.fullmatch(application):
            raise AgiError(f"EXEC: not an application name: {application!r}")
        if any("," in arg for arg in args):
            raise AgiError(f"EXEC {application}: an argument contains a comma")
        self._send("EXEC", *([application, ",".join(args)] if args else [application]))
        app = self._apps.get(application.lower())
        if app is None or app.result == -2:  # Asterisk's "could not find application"
            raise AgiError(f"EXEC {application}: no such application in Asterisk")
        if application.lower() == "set" and args and "=" in args[0]:
            name, value = args[0].split("=", 1)
            self.variables[name] = value
        self.variables.update(app.sets)
        if app.ends_call:  # the reply comes back, then Asterisk pushes HANGUP
            self._caller_left = True
        return app.result

    async def verbose(self, message: str, level: int = 1) -> None:
        self._send("VERBOSE", message, str(level))

    async def hangup(self) -> None:
        """Hang the call up. Ending a call that is already over is not an error."""
        if self._gone:
            return
        try:
            self._send("HANGUP")
        except ChannelHangup:
            pass  # the caller hung up first
        finally:
            self._gone = True

    # --- the caller ----------------------------------------------------------------------------

    def caller_hangs_up(self) -> None:
        """The caller hangs up now, between commands: the next command finds out."""
        self._caller_left = True

    def _peek(self) -> Response | RecordResult | RecordingFailed:
        return self._pending[0] if self._pending else self._when_done

    def _pop(self) -> Response | RecordResult | RecordingFailed:
        return self._pending.pop(0) if self._pending else self._when_done

    def _take(self) -> Response | RecordResult | RecordingFailed:
        step = self._pop()
        if isinstance(step, Response) and step.kind == "keys":
            self.keys_pressed.append(step.digits)
        return step

    def _take_digits(self, count: int, response: Response | None = None) -> str:
        """Consume up to `count` keys of the pending keys (or of a prompt's targeted keys)."""
        if response is not None and (not self._pending or self._pending[0] is not response):
            taken = response.digits[:count]  # keys pressed during a prompt, not in the script
            self.keys_pressed.append(taken)
            return taken
        head = self._pending[0]
        assert isinstance(head, Response) and head.kind == "keys"
        taken, rest = head.digits[:count], head.digits[count:]
        if rest:
            self._pending[0] = Response("keys", rest)
        else:
            self._pending.pop(0)
        self.keys_pressed.append(taken)
        return taken

    def _take_during(self, filename: str) -> Response | None:
        for index, event in enumerate(self._during):
            if event.prompt in filename:
                del self._during[index]
                if event.response.kind == "hangup":
                    self._caller_hangs_up(f"playing {filename}", explained=True)
                return event.response
        return None

    def _caller_hangs_up(self, during: str, *, explained: bool = False) -> NoReturn:
        if explained:
            # Playback commands answer -1 for a hangup and for a missing file alike: AgiChannel
            # sends a NOOP to tell them apart, and only then learns the caller is gone.
            self.commands.append(Command("NOOP"))
        self._gone = self._caller_left = True
        raise ChannelHangup(f"{during}: the caller hung up")

    # --- sending -------------------------------------------------------------------------------

    def _send(self, verb: str, *args: str) -> None:
        """Log the command as it would go on the wire; refuse what AgiChannel refuses."""
        if self._gone:
            raise ChannelHangup(f"{verb}: the call is already over")
        try:
            format_command(verb, *args)
        except (UnsafeArgument, ValueError) as exc:
            raise AgiError(f"{verb}: {exc}") from exc
        self.commands.append(Command(verb, tuple(args)))
        if self._caller_left:  # Asterisk pushed HANGUP before this command's reply
            self._gone = True
            raise ChannelHangup(f"{verb}: the caller hung up")
        if len(self.commands) == self._hangup_after:
            self._caller_left = True  # this command still gets its reply; the next one won't

    def _play(self, filename: str) -> None:
        self.played.append(filename)
        if any(name in filename for name in self._unplayable):
            # Asterisk answers result=-1; AgiChannel's NOOP tells a missing file from a hangup.
            self._send("NOOP")
            raise PlaybackFailed(f"{filename}: Asterisk could not play the file")


def _check_digits(digits: str) -> None:
    if not _DIGITS.fullmatch(digits):
        raise AgiError(f"not DTMF digits: {digits!r}")


def _check_variable(name: str) -> None:
    if not _VARIABLE.fullmatch(name):
        raise AgiError(f"not a channel variable name: {name!r}")


if TYPE_CHECKING:  # mypy proves MemoryChannel satisfies the Channel protocol
    _protocol_check: type[Channel] = MemoryChannel
