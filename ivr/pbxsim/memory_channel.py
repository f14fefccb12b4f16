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
from types import MappingProxyType
from typing import TYPE_CHECKING, NoReturn

from ivr.agi.codec import UnsafeArgument, caller_number, format_command
from ivr.channel import (
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
)
from ivr.pbxsim.amd import detect
from ivr.pbxsim.memory_recording import RecordingPlan, plan_recording
from ivr.pbxsim.memory_script import (
    AfterPrompt,
    CallerScript,
    Command,
    DuringPrompt,
    Recording,
    ScriptError,
    ScriptStep,
    after_prompt,
    check_digits,
    check_variable,
    dial_returns,
    hang_up_during,
    press,
    queue_returns,
)
from ivr.pbxsim.voice import RECORD_FORMATS

_APPLICATION = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_FORMAT = re.compile(r"[a-z0-9]+")
_calls = itertools.count(1)

__all__ = [
    "Command",
    "DuringPrompt",
    "MemoryChannel",
    "Recording",
    "ScriptError",
    "ScriptStep",
    "after_prompt",
    "dial_returns",
    "hang_up_during",
    "press",
    "queue_returns",
]


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
        response)` lets a test put audio where Asterisk would have written it (however the
        recording ends, a hang-up included)."""
        self._script = script = CallerScript(responses, when_done)
        self._during = list(during)
        self._hangup_after = hangup_after
        self._unplayable = tuple(unplayable)
        self._apps = {k.lower(): v for k, v in DEFAULT_APPLICATIONS.items()} | {
            k.lower(): v for k, v in (applications or {}).items()
        }
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
        self.keys_pressed = script.keys_pressed  # keys the flow read, as the caller pressed them
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
        return caller_number(self._env)

    @property
    def hung_up(self) -> bool:
        return self._gone

    @property
    def responses_left(self) -> int:
        return len(self._script.pending)

    def verbs(self) -> list[str]:
        return [c.verb for c in self.commands]

    # --- commands ----------------------------------------------------------------------------

    async def answer(self) -> None:
        self._send("ANSWER")
        self.answered = True

    async def stream_file(self, filename: str, escape_digits: str = "") -> str | None:
        check_digits(escape_digits)
        self._send("STREAM FILE", filename, escape_digits)
        self._play(filename)
        targeted = self._take_during(filename)
        if targeted is not None and targeted.kind == "keys":
            # Asterisk stops only for an escape digit and drops any other key.
            digit = targeted.digits[0]
            return self._script.take_digits(1, targeted) if digit in escape_digits else None
        if escape_digits:
            # The scripted caller answers the menu during its prompt when the key is one it
            # listens for; otherwise the prompt plays out and the answer waits for a question.
            response = self._script.peek()
            if (isinstance(response, Response) and response.kind == "keys"
                    and not isinstance(response, AfterPrompt)
                    and response.digits[0] in escape_digits):
                return self._script.take_digits(1)
        return None

    async def get_data(self, filename: str, timeout_ms: int, max_digits: int) -> DigitsResult:
        if max_digits < 1:
            raise ValueError("max_digits must be at least 1 (Asterisk answers -1 to 0)")
        self._send("GET DATA", filename, str(timeout_ms), str(max_digits))
        self._play(filename)
        response = self._take_during(filename) or self._script.peek()
        if isinstance(response, RecordResult | RecordingFailed):
            raise ScriptError(f"GET DATA {filename}: the script has a recording result next")
        if response.kind == "hangup" or (timeout_ms < 0 and response.kind != "keys"):
            self._script.take()  # a silent caller left waiting for ever gives up too
            self._caller_hangs_up("GET DATA", explained=True)
        if response.kind != "keys":  # silence, or speech (GET DATA hears keys only)
            self._script.take()
            return DigitsResult("", timed_out=True)
        # ast_app_getdata_full waits 2 s between keys unless told; the simulated caller keys
        # one every `digit_interval`, so a shorter wait ends the entry after the first key.
        between_ms = 2000 if timeout_ms == 0 else timeout_ms
        collected = ""
        for used, digit in enumerate(response.digits, start=1):
            if used > 1 and self._config.digit_interval * 1000 >= between_ms:
                self._script.take_digits(used - 1, response)
                return DigitsResult(collected, timed_out=True)
            if digit == "#":  # `#` ends the entry and is not returned
                self._script.take_digits(used, response)
                return DigitsResult(collected, timed_out=False)
            collected += digit
            if len(collected) >= max_digits:
                # A lone `#` right after a full entry is dropped between commands.
                rest = response.digits[used:]
                self._script.take_digits(used + (rest == "#"), response)
                return DigitsResult(collected, timed_out=False)
        self._script.take_digits(len(response.digits), response)
        return DigitsResult(collected, timed_out=True)

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        self._send("WAIT FOR DIGIT", str(timeout_ms))
        if timeout_ms == 0:
            return None
        response = self._script.peek()
        if isinstance(response, RecordResult | RecordingFailed):
            raise ScriptError("WAIT FOR DIGIT: the script has a recording result next")
        if response.kind == "keys":
            return self._script.take_digits(1)
        self._script.take()
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
        check_digits(escape_digits)
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
        step = self._script.pop()  # keys are logged below: only those read before it ended
        if isinstance(step, RecordingFailed):
            raise step
        if isinstance(step, RecordResult):
            result = step
        else:
            if fmt not in RECORD_FORMATS:  # what the simulator cannot write, Asterisk could not
                raise RecordingFailed(f"RECORD FILE {filename}.{fmt}: no such format")
            plan = plan_recording(self._config, step, escape_digits, timeout_ms,
                                  silence_seconds or 0)
            if self._on_record is not None:
                # Asterisk writes the file however it ends, a hang-up included.
                self._on_record(filename, fmt, step)
            result = self._recorded(step, plan, fmt)
        self.recordings.append(Recording(filename, fmt, result))
        return result

    def _recorded(self, response: Response, plan: RecordingPlan, fmt: str) -> RecordResult:
        """Take what the caller did before the recording ended; its result as Asterisk's."""
        digits = response.digits if response.kind == "keys" else ""
        if digits:
            # Keys pressed before the end are read (and dropped unless one ends it); later
            # ones stay pending for the next command.
            self.keys_pressed.append(digits[:plan.used])
            if digits[plan.used:]:
                self._script.pending.insert(0, Response("keys", digits[plan.used:]))
        elif response.kind == "hangup" and plan.how != "hangup":
            self._script.pending.insert(0, response)  # the caller meant to hang up later
        if plan.how == "hangup":
            self._caller_hangs_up("RECORD FILE")
        endpos = plan.kept_ms * RECORD_FORMATS[fmt][1] // 1000
        if plan.how == "dtmf":
            return RecordResult(digits[plan.used - 1], "dtmf", endpos)
        return RecordResult(None, "silence" if plan.how == "silence" else "timeout", endpos)

    async def set_variable(self, name: str, value: str) -> None:
        check_variable(name)
        self._send("SET VARIABLE", name, value)
        self.variables[name] = value

    async def get_variable(self, name: str) -> str | None:
        check_variable(name)
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
        if app is None and application.lower() == "amd":  # app_amd's decision, as over FastAGI
            found = detect(self._config.amd.with_args(",".join(args)), self._config.callee_audio)
            self.variables |= {"AMDSTATUS": found.status, "AMDCAUSE": found.cause}
            self._caller_left = self._caller_left or found.status == "HANGUP"
            return 0
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


if TYPE_CHECKING:  # mypy proves MemoryChannel satisfies the Channel protocol
    _protocol_check: type[Channel] = MemoryChannel
