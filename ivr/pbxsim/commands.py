"""AGI commands answered as Asterisk's res_agi.c answers them, on one simulated channel.

Reply formats, argument checks (520 usage), unknown commands (510), commands refused on a
dead channel (511) and the `HANGUP` line pushed when the channel goes away follow
`agi_handle_command`, `run_agi` and the `handle_*` functions; digit collection follows
`ast_app_getdata_full`/`ast_readstring_full` and `ast_waitstream_full`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from ivr.agi.codec import (
    REPLY_DEAD,
    REPLY_UNKNOWN,
    format_ok,
    format_usage,
    split_command,
)
from ivr.pbxsim.caller import Caller, Response
from ivr.pbxsim.sounds import SAMPLE_RATE, SoundLibrary
from ivr.pbxsim.transcript import (
    AppRun,
    CallEnded,
    CallTranscript,
    EndReason,
    Event,
    Heard,
    KeysPressed,
    Spoke,
    VariableSet,
)
from ivr.pbxsim.voice import (
    BYTES_PER_MS,
    RECORD_FORMATS,
    VoiceError,
    load_audio,
    read_recording,
    silence,
    speak,
    write_recording,
)

HANGUP_PUSH = "HANGUP\n"


@dataclass(frozen=True)
class ExecBehaviour:
    """How a dialplan application run by EXEC behaves on the simulated PBX."""

    result: int = 0
    ends_call: bool = False  # the channel is hung up when the application returns
    sets: Mapping[str, str] = field(default_factory=dict)  # variables it leaves on the channel
    seconds: float = 0.0  # simulated time it runs


# A Queue or Dial that reaches a person returns -1 once the conversation ends (app_queue.c:
# a handled call that ends in a hangup), and Asterisk then pushes HANGUP.
DEFAULT_APPLICATIONS: Mapping[str, ExecBehaviour] = {
    "queue": ExecBehaviour(-1, ends_call=True, seconds=60.0),
    "dial": ExecBehaviour(-1, ends_call=True, sets={"DIALSTATUS": "ANSWER"}, seconds=60.0),
    "hangup": ExecBehaviour(-1, ends_call=True),
    "goto": ExecBehaviour(0),
    "gosub": ExecBehaviour(0),
    "set": ExecBehaviour(0),
    "noop": ExecBehaviour(0),
    "verbose": ExecBehaviour(0),
    "wait": ExecBehaviour(0),
    "answer": ExecBehaviour(0),
    "playback": ExecBehaviour(0),
    "background": ExecBehaviour(0),
    "transfer": ExecBehaviour(0, sets={"TRANSFERSTATUS": "SUCCESS"}),
    "saydigits": ExecBehaviour(0),
    "saynumber": ExecBehaviour(0),
    "sayalpha": ExecBehaviour(0),
    "musiconhold": ExecBehaviour(0),
}


@dataclass
class PbxConfig:
    """The simulated PBX and caller. `time_scale` 0 runs instantly; 1 is real time."""

    time_scale: float = 0.0
    sounds: SoundLibrary = field(default_factory=SoundLibrary)
    language: str = "zh"  # the channel's language, as agi_language
    applications: Mapping[str, ExecBehaviour] = field(
        default_factory=lambda: dict(DEFAULT_APPLICATIONS)
    )
    send_sighup: bool = True  # AGISIGHUP: push HANGUP to the FastAGI server
    reaction_seconds: float = 0.8  # into a prompt before the caller presses a key
    digit_interval: float = 0.25  # between keys of one entry
    patience_seconds: float = 60.0  # a silent caller left waiting forever hangs up after this
    speech_onset: float = 0.3  # from the start of a recording until the caller speaks
    caller_voice: str | None = None  # espeak-ng voice for say: (None: by the words' script)
    command_timeout: float = 30.0  # real seconds to wait for the IVR's next command
    connect_timeout: float = 5.0
    # Where AGI() runs in asterisk-conf/extensions.conf ([hotline-ivr] s,1); the number the
    # caller dialled reaches the IVR only as agi_dnid (a Local channel sends "unknown" there).
    context: str = "hotline-ivr"
    extension: str = "s"
    priority: int = 1
    dnid: str = "95598"
    channel_tech: str = "PJSIP"
    version: str = "22.5.2"


class SimClock:
    """Simulated seconds since the call began; sleeps `seconds * scale` of real time."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.now = 0.0

    async def advance(self, seconds: float) -> None:
        self.now += seconds
        if self.scale > 0 and seconds > 0:
            await asyncio.sleep(seconds * self.scale)


Handler = Callable[[list[str]], Awaitable[str | None]]

_INT = re.compile(r"\s*[+-]?\d+")


def scan_int(text: str) -> int | None:
    """C's `sscanf("%d")`: a leading integer, or None."""
    match = _INT.match(text)
    return int(match.group()) if match else None


def atoi(text: str) -> int:
    return scan_int(text) or 0


class AgiEmulator:
    """The channel side of res_agi: takes one command line, returns the text Asterisk sends."""

    def __init__(
        self,
        config: PbxConfig,
        caller: Caller,
        transcript: CallTranscript,
        *,
        channel_name: str,
        variables: Mapping[str, str],
        observer: Callable[[Event], None] | None = None,
    ) -> None:
        self.config = config
        self.caller = caller
        self.transcript = transcript
        self.clock = SimClock(config.time_scale)
        self.channel_name = channel_name
        self.variables: dict[str, str] = dict(variables)
        self.observer = observer
        self.answered = False
        self.dead = False  # the channel is hung up: run_agi's "dead" mode
        self._going = False  # hung up during this command; HANGUP is pushed after the reply
        # (words, allowed on a dead channel, handler or None when not simulated, usage)
        self._table: list[tuple[tuple[str, ...], bool, Handler | None, str]] = [
            (("answer",), False, self._answer, "ANSWER"),
            (("exec",), True, self._exec, "EXEC <application> <options>"),
            (("get", "data"), False, self._get_data, "GET DATA <file> [timeout] [maxdigits]"),
            (("get", "variable"), True, self._get_variable, "GET VARIABLE <variablename>"),
            (("hangup",), False, self._hangup, "HANGUP [channelname]"),
            (("noop",), True, self._noop, "NOOP"),
            (("record", "file"), False, self._record_file,
             "RECORD FILE <filename> <format> <escape_digits> <timeout> [offset samples] "
             "[BEEP] [s=silence]"),
            (("set", "variable"), True, self._set_variable, "SET VARIABLE <name> <value>"),
            (("stream", "file"), False, self._stream_file,
             "STREAM FILE <filename> <escape_digits> [sample offset]"),
            (("verbose",), True, self._verbose, "VERBOSE <message> <level>"),
            (("wait", "for", "digit"), False, self._wait_for_digit, "WAIT FOR DIGIT <timeout>"),
        ]
        for words, dead_ok in _NOT_SIMULATED:
            self._table.append((words, dead_ok, None, ""))

    # --- dispatch ----------------------------------------------------------------------------

    async def handle(self, line: str) -> str:
        """The reply to one command line (the line without its newline)."""
        argv = split_command(line)
        entry = self._find(argv)
        if entry is None:
            return REPLY_UNKNOWN
        words, dead_ok, handler, usage = entry
        if self.dead and not dead_ok:
            return REPLY_DEAD
        if handler is None:
            self.transcript.unsupported.append(" ".join(words).upper())
            return REPLY_UNKNOWN
        reply = await handler(argv)
        if reply is None:  # RESULT_SHOWUSAGE
            return format_usage(usage)
        if self._going:
            self._going = False
            self.dead = True
            if self.config.send_sighup:
                reply += HANGUP_PUSH
        return reply

    def caller_hangs_up(self) -> str:
        """The caller hangs up between commands; returns what Asterisk pushes."""
        if self.dead:
            return ""
        self.dead = True
        self._end(EndReason.CALLER_HUNG_UP, "between commands")
        return HANGUP_PUSH if self.config.send_sighup else ""

    def _find(
        self, argv: list[str]
    ) -> tuple[tuple[str, ...], bool, Handler | None, str] | None:
        # find_command: every word of the command must match (case-insensitively); words
        # beyond the command's own are its arguments.
        for entry in self._table:
            words = entry[0]
            if len(argv) >= len(words) and all(
                a.lower() == w for a, w in zip(argv, words, strict=False)
            ):
                return entry
        return None

    # --- recording ---------------------------------------------------------------------------

    def _record(self, event: Event) -> None:
        self.transcript.events.append(event)
        if self.observer is not None:
            self.observer(event)

    def _playing(self, heard: Heard) -> int:
        """Record a prompt as it starts (a live caller reads it before answering)."""
        self._record(heard)
        return len(self.transcript.events) - 1

    def _played(
        self, index: int, *, interrupted_by: str | None = None, hung_up: bool = False
    ) -> None:
        heard = self.transcript.events[index]
        assert isinstance(heard, Heard)
        self.transcript.events[index] = replace(
            heard, interrupted_by=interrupted_by, hung_up=hung_up
        )

    def _end(self, reason: EndReason, detail: str = "") -> None:
        if self.transcript.ended is None:
            self.transcript.ended = reason
            self.transcript.end_detail = detail
            self._record(CallEnded(self.clock.now, reason, detail))

    def _caller_gone(self, during: str) -> None:
        self._going = True
        self._end(EndReason.CALLER_HUNG_UP, f"during {during}")

    # --- the commands ------------------------------------------------------------------------

    async def _answer(self, argv: list[str]) -> str:
        if not self.answered:
            self.answered = True
            self.transcript.answered = True
        return format_ok(0)

    async def _noop(self, argv: list[str]) -> str:
        return format_ok(0)

    async def _verbose(self, argv: list[str]) -> str | None:
        if len(argv) < 2:
            return None
        return format_ok(1)

    async def _set_variable(self, argv: list[str]) -> str | None:
        if len(argv) != 4:
            return None
        self._set(argv[2], argv[3])
        return format_ok(1)

    def _set(self, name: str, value: str) -> None:
        self.variables[name] = value
        self.transcript.variables[name] = value
        self._record(VariableSet(self.clock.now, name, value))

    async def _get_variable(self, argv: list[str]) -> str | None:
        if len(argv) != 3:
            return None
        name = argv[2]
        value = self._function(name) if name.endswith(")") else self._variable(name)
        return format_ok(1, value) if value is not None else format_ok(0)

    def _variable(self, name: str) -> str | None:
        builtins = {
            "CHANNEL": self.channel_name,
            "UNIQUEID": self.transcript.uniqueid,
            "EXTEN": self.config.extension,
            "CONTEXT": self.config.context,
            "CALLERIDNUM": self.transcript.caller or "",
        }
        return self.variables.get(name, builtins.get(name))

    def _function(self, expr: str) -> str | None:
        functions = {
            "CALLERID(num)": self.transcript.caller or "",
            "CALLERID(name)": self.transcript.caller or "",
            "CHANNEL(language)": self.config.language,
            "CHANNEL(name)": self.channel_name,
            "CHANNEL(uniqueid)": self.transcript.uniqueid,
        }
        return functions.get(expr)  # any other function fails to read: result=0

    async def _hangup(self, argv: list[str]) -> str | None:
        if len(argv) > 2:
            return None
        if len(argv) == 2 and argv[1] != self.channel_name:
            return format_ok(-1)  # no channel of that name
        self._going = True
        self._end(EndReason.IVR_HUNG_UP)
        return format_ok(1)

    async def _exec(self, argv: list[str]) -> str | None:
        if len(argv) < 2:
            return None
        application, args = argv[1], argv[2] if len(argv) >= 3 else ""
        behaviour = {k.lower(): v for k, v in self.config.applications.items()}.get(
            application.lower()
        )
        if behaviour is None:
            self._record(AppRun(self.clock.now, application, args, -2))
            return format_ok(-2)  # "Could not find application"
        if application.lower() == "set" and "=" in args:
            name, value = args.split("=", 1)
            self._set(name, value)
        for name, value in behaviour.sets.items():
            self.variables[name] = value
        self._record(AppRun(self.clock.now, application, args, behaviour.result))
        await self.clock.advance(behaviour.seconds)
        if behaviour.ends_call:
            self._going = True
            self._end(EndReason.APPLICATION_ENDED, f"{application}({args})")
        return format_ok(behaviour.result)

    async def _stream_file(self, argv: list[str]) -> str | None:
        if not 4 <= len(argv) <= 5:
            return None
        offset = 0
        if len(argv) == 5:
            scanned = scan_int(argv[4])
            if scanned is None:
                return None
            offset = scanned
        filename, escape = argv[2], argv[3]
        sound = self.config.sounds.find(filename, self.config.language)
        if sound is None:
            self._record(Heard(self.clock.now, filename, None))
            return format_ok(-1, endpos=offset)
        playing = self._playing(Heard(self.clock.now, filename, sound.text))
        remaining = max(0.0, sound.seconds - offset / SAMPLE_RATE)
        response = await self.caller.peek() if escape else None
        press_at = min(self.config.reaction_seconds, remaining)
        endpos = offset + int(press_at * SAMPLE_RATE)
        # A hang-up waits for a question (GET DATA, WAIT FOR DIGIT): the caller lets a prompt
        # play out; hanging up mid-prompt is what `hangup_after` is for.
        if response is not None and response.kind == "keys" and response.digits[0] in escape:
            digit = self.caller.take_digits(1)
            self._played(playing, interrupted_by=digit)
            await self.clock.advance(press_at)
            self._record(KeysPressed(self.clock.now, digit, "STREAM FILE"))
            return format_ok(ord(digit), endpos=endpos)
        await self.clock.advance(remaining)
        return format_ok(0, endpos=max(sound.samples, offset))

    async def _wait_for_digit(self, argv: list[str]) -> str | None:
        if len(argv) != 4:
            return None
        timeout_ms = scan_int(argv[3])
        if timeout_ms is None:
            return None
        if timeout_ms == 0:
            return format_ok(0)
        response = await self.caller.peek()
        if response.kind == "keys":
            digit = self.caller.take_digits(1)
            await self.clock.advance(self.config.reaction_seconds)
            self._record(KeysPressed(self.clock.now, digit, "WAIT FOR DIGIT"))
            return format_ok(ord(digit))
        self.caller.take()
        self._unheard(response, "WAIT FOR DIGIT")
        if response.kind == "hangup":
            await self.clock.advance(self.config.reaction_seconds)
            self._caller_gone("WAIT FOR DIGIT")
            return format_ok(-1)
        if timeout_ms < 0:  # Asterisk would wait for ever; the silent caller gives up
            await self.clock.advance(self.config.patience_seconds)
            self._caller_gone("WAIT FOR DIGIT (no timeout)")
            return format_ok(-1)
        await self.clock.advance(timeout_ms / 1000)
        return format_ok(0)

    async def _get_data(self, argv: list[str]) -> str | None:
        if len(argv) < 3:
            return None
        timeout = atoi(argv[3]) if len(argv) >= 4 else 0
        max_digits = atoi(argv[4]) if len(argv) >= 5 else 1024
        # ast_app_getdata_full: 6 s for the first key and 2 s between keys unless told.
        first_ms, next_ms = (6000, 2000) if timeout == 0 else (timeout, timeout)
        filename = argv[2]
        started = self.clock.now
        sound = None
        if filename:
            sound = self.config.sounds.find(filename, self.config.language)
            if sound is None:
                self._record(Heard(started, filename, None))
                return format_ok(-1)
        if max_digits <= 0:
            return format_ok(-1)  # ast_readstring_full refuses a zero-length buffer
        prompt_seconds = sound.seconds if sound else 0.0
        playing = self._playing(Heard(started, filename, sound.text)) if sound else None
        response = await self.caller.peek()

        def heard(interrupted_by: str | None = None, hung_up: bool = False) -> None:
            if playing is not None:
                self._played(playing, interrupted_by=interrupted_by, hung_up=hung_up)

        if response.kind == "hangup":
            self.caller.take()
            heard(hung_up=True)
            await self.clock.advance(min(self.config.reaction_seconds, prompt_seconds or 1.0))
            self._caller_gone("GET DATA")
            return format_ok(-1)
        if response.kind == "silence" or response.spoken:  # GET DATA hears keys only
            self.caller.take()
            heard()
            self._unheard(response, "GET DATA")
            if timeout < 0:  # Asterisk would wait for ever; the silent caller gives up
                await self.clock.advance(prompt_seconds + self.config.patience_seconds)
                self._caller_gone("GET DATA (no timeout)")
                return format_ok(-1)
            await self.clock.advance(prompt_seconds + first_ms / 1000)
            return format_ok("", "timeout")
        # Keys: the first one stops the prompt (any digit does, in GET DATA), the rest follow.
        heard(interrupted_by=response.digits[0])
        await self.clock.advance(min(self.config.reaction_seconds, prompt_seconds))
        collected = ""
        for used, digit in enumerate(response.digits, start=1):
            if used > 1:
                if self.config.digit_interval * 1000 >= next_ms:
                    return await self._entry_timed_out(collected, used - 1, next_ms / 1000)
                await self.clock.advance(self.config.digit_interval)
            if digit == "#":  # `#` ends the entry and is not returned
                self._took(used, collected + "#")
                return format_ok(collected)
            collected += digit
            if len(collected) >= max_digits:
                # A `#` keyed straight after a full entry lands after Asterisk stopped
                # collecting and is dropped, so it is not kept for the next command.
                rest = response.digits[used:]
                self._took(used + (rest == "#"), collected + ("#" if rest == "#" else ""))
                return format_ok(collected)
        return await self._entry_timed_out(collected, len(response.digits), next_ms / 1000)

    async def _entry_timed_out(self, collected: str, used: int, wait: float) -> str:
        await self.clock.advance(wait)
        self._took(used, collected)
        return format_ok(collected, "timeout")

    def _took(self, count: int, shown: str) -> None:
        self.caller.take_digits(count)
        self._keys(shown, "GET DATA")

    def _keys(self, digits: str, command: str) -> None:
        if digits:
            self._record(KeysPressed(self.clock.now, digits, command))

    def _unheard(self, response: Response, command: str) -> None:
        if response.spoken:
            self._record(Spoke(self.clock.now, _words(response), command))

    # --- RECORD FILE -------------------------------------------------------------------------

    async def _record_file(self, argv: list[str]) -> str | None:
        """handle_recordfile: optional beep, then record until an escape digit, silence, the
        time limit or a hangup. The file is written as Asterisk's format module would."""
        if len(argv) < 6:
            return None
        timeout_ms = scan_int(argv[5])
        if timeout_ms is None:
            return None
        filename, fmt, escape = argv[2], argv[3], argv[4]
        silence_ms = _silence_option(argv)
        offset = scan_int(argv[6]) if len(argv) > 6 else None
        # Its backward-compatible reading: a 7th word that is neither an offset nor s=N, or
        # any 8th word that is not s=N, asks for a beep.
        beep = (len(argv) > 6 and offset is None and not argv[6].startswith("s=")) or (
            len(argv) > 7 and not argv[7].startswith("s=")
        )
        if beep:
            sound = self.config.sounds.find("beep", self.config.language)
            self._record(Heard(self.clock.now, "beep", sound.text if sound else "(beep)"))
            await self.clock.advance(sound.seconds if sound else _BEEP_SECONDS)
        path = self._recording_path(filename, fmt)
        keep = b""
        try:
            if path is None:
                raise OSError("no format module or no directory for it")
            if offset:  # seek into what is there, never past its end, and record from there
                keep = read_recording(path, fmt)[: max(offset, 0) * 2]
            path.touch()  # ast_writefile opens it with O_CREAT before recording starts
        except OSError:
            return format_ok(-1, "writefile")
        started = self.clock.now
        plan = await self._recording_plan(timeout_ms, silence_ms, escape)
        await self.clock.advance(plan.end_ms / 1000)
        kept_ms = max(0.0, plan.end_ms - plan.rewind_ms)
        audio = (plan.voice + silence(kept_ms))[: int(kept_ms) * BYTES_PER_MS]
        try:
            endpos = await write_recording(path, fmt, audio, keep)
        except (OSError, VoiceError):
            return format_ok(-1, "writefile")
        spoken = _words(plan.response) if plan.response.spoken else None
        self._record(Spoke(started, spoken, "RECORD FILE", str(path), kept_ms / 1000))
        self._keys(plan.pressed, "RECORD FILE")
        if plan.how == "dtmf":
            return format_ok(ord(plan.pressed[-1]), "dtmf", endpos)
        if plan.how == "hangup":
            self._caller_gone("RECORD FILE")
            return format_ok(-1, "hangup", endpos)
        if plan.how == "silence":
            # `result` is what was left of the frame wait that ended in silence: the time
            # remaining, or of a fresh 100 s wait when there is no time limit.
            left = timeout_ms - plan.end_ms if timeout_ms >= 0 else 100_000 - _FRAME_MS
            return format_ok(max(int(left), 1), "timeout", endpos)
        return format_ok(0, "timeout", endpos)

    def _recording_path(self, filename: str, fmt: str) -> Path | None:
        """Where ast_writefile puts it: absolute names as given, others under the sounds
        directory; None when there is no such format or directory."""
        if fmt not in RECORD_FORMATS or not filename:
            return None
        ext = RECORD_FORMATS[fmt][0]
        base = Path(filename)
        if not base.is_absolute():
            if self.config.sounds.root is None:
                return None
            base = self.config.sounds.root / base
        path = base.with_name(f"{base.name}.{ext}")
        return path if path.parent.is_dir() else None

    async def _recording_plan(
        self, timeout_ms: int, silence_ms: int, escape: str
    ) -> _RecordingPlan:
        """What the caller does while recording and which event ends it first."""
        response = await self.caller.peek()
        voice = b""
        if response.spoken:  # VoiceError (no espeak-ng or sox) ends the simulated call
            voice = silence(self.config.speech_onset * 1000) + await self._voice(response)
            voice += bytes(-len(voice) % _FRAME_BYTES)  # Asterisk reads whole 20 ms frames
        voice_end = len(voice) / BYTES_PER_MS
        react = self.config.reaction_seconds * 1000
        presses: list[float] = []
        if response.kind == "keys":
            presses = [react + i * self.config.digit_interval * 1000
                       for i in range(len(response.digits))]
        # (time, rank, how): the time limit is checked before each frame is read, so it wins
        # a tie; then silence detection, then a key.
        ends: list[tuple[float, int, str]] = []
        if timeout_ms >= 0:
            ends.append((timeout_ms, 0, "timeout"))
        if silence_ms > 0:
            ends.append((voice_end + silence_ms, 1, "silence"))
        for at, digit in zip(presses, response.digits, strict=True):
            if escape and digit in escape:
                ends.append((at, 2, "dtmf"))
                break
        if response.kind == "hangup":
            ends.append((react, 3, "hangup"))
        if not ends:  # no limit and nothing to stop it: the caller gives up
            ends.append((voice_end + self.config.patience_seconds * 1000, 3, "hangup"))
        end_ms, _rank, how = min(ends)
        pressed = ""
        if response.kind == "keys":
            # Keys pressed before the end are read (and dropped unless they end it); later
            # ones stay pending for the next command.
            before = sum(1 for at in presses if at < end_ms)
            pressed = self.caller.take_digits(before + (how == "dtmf"))
        elif how == "hangup" or response.kind != "hangup":
            self.caller.take()
        # What Asterisk cuts off the end: the 200 ms around a key, or all but 1 s of silence.
        rewind = {"dtmf": 200.0, "silence": max(0.0, silence_ms - 1000.0)}.get(how, 0.0)
        return _RecordingPlan(response, voice, end_ms, how, pressed, rewind)

    async def _voice(self, response: Response) -> bytes:
        if response.kind == "audio":
            return await load_audio(Path(response.text))
        return await speak(response.text, self.config.caller_voice)


@dataclass(frozen=True)
class _RecordingPlan:
    response: Response
    voice: bytes  # what the caller said, from the start of the recording
    end_ms: float
    how: str  # dtmf, silence, timeout or hangup
    pressed: str  # keys read during the recording; the last one ended it when how is dtmf
    rewind_ms: float


_BEEP_SECONDS = 0.25  # Asterisk's core sounds always include beep
_FRAME_MS = 20
_FRAME_BYTES = _FRAME_MS * BYTES_PER_MS


def _silence_option(argv: list[str]) -> int:
    """`s=N` among words 7-9 as handle_recordfile finds it (the first word holding an `s`),
    in milliseconds; 0 when absent."""
    found = next((w[w.index("s"):] for w in argv[6:9] if "s" in w), None)
    if found is None or len(found) <= 2 or not found.startswith("s="):
        return 0
    return max(atoi(found[2:]), 0) * 1000


def _words(response: Response) -> str:
    return response.text if response.kind == "speech" else f"audio:{response.text}"


# Commands Asterisk knows that the simulator does not model: they answer 510 here and are
# listed in the transcript's `unsupported`, so a flow that needs one is noticed in tests.
_NOT_SIMULATED: list[tuple[tuple[str, ...], bool]] = [
    (("asyncagi", "break"), True),
    (("channel", "status"), False),
    (("control", "stream", "file"), False),
    (("database", "del"), True),
    (("database", "deltree"), True),
    (("database", "get"), True),
    (("database", "put"), True),
    (("get", "full", "variable"), True),
    (("get", "option"), False),
    (("receive", "char"), False),
    (("receive", "text"), False),
    (("say", "alpha"), False),
    (("say", "date"), False),
    (("say", "datetime"), False),
    (("say", "digits"), False),
    (("say", "number"), False),
    (("say", "phonetic"), False),
    (("say", "time"), False),
    (("send", "image"), False),
    (("send", "text"), False),
    (("set", "autohangup"), False),
    (("set", "callerid"), False),
    (("set", "context"), False),
    (("set", "extension"), False),
    (("set", "music"), False),
    (("set", "priority"), False),
    (("speech", "create"), False),
    (("tdd", "mode"), False),
]
