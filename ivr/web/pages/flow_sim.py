"""The flows page's simulator: the real flow engine runs a call whose caller is a browser.

`BrowserChannel` is the `Channel` port with the caller at a web page: each time the flow
listens (GET DATA, WAIT FOR DIGIT, RECORD FILE, or a prompt that keys may interrupt) the call
waits for the next thing the user does (keys, typed words, silence, hang-up), sent as HTTP steps.
Words typed while a prompt plays wait for the flow to listen for speech, as a caller who talks
over a prompt is heard only once the recording starts. What the flow plays is kept with its
words (the prompt cache's `.txt`) so the page can show it and play the prompt's audio.

The calls run on a sandbox: `ivr.app` builds their services over a database of their own seeded
with the demo data, so a simulated call's record, verification failures and work orders never
reach the hotline's database or its reports.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
import wave
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from ivr.channel import (
    AgiError,
    Channel,
    ChannelHangup,
    DigitsResult,
    RecordResult,
)
from ivr.flow.context import CallContext
from ivr.flow.engine import CallRunner
from ivr.speech.asr import Recognition, Recognizer, match_phrase

InputKind = Literal["keys", "say", "silence", "hangup"]
# Builds a runner over the sandbox for one simulated call (its recogniser reads typed words).
RunnerFactory = Callable[[Recognizer, Callable[[CallContext], None]], Awaitable[CallRunner]]
STEP_SECONDS = 60.0  # longest a step waits for the flow (a prompt rendered for the first time)
IDLE_SECONDS = 15 * 60  # a simulation nobody has touched for this long is ended
PER_USER = 3  # simulations one user may keep open; the oldest is ended beyond
_numbers = itertools.count(1)


@dataclass(frozen=True)
class CallerInput:
    kind: InputKind
    value: str = ""


@dataclass(frozen=True)
class Heard:
    audio: Path  # the .wav file played
    text: str  # its words, from the prompt cache's transcript ("" when there is none)


class BrowserChannel:
    """One simulated call. The flow runs as a task; `inputs` is the caller."""

    def __init__(self, caller: str | None) -> None:
        number = next(_numbers)
        self._env = MappingProxyType({
            "uniqueid": f"sim-{int(time.time())}.{number}", "callerid": caller or "unknown",
            "channel": f"Local/simulator-{number:08x}", "context": "flow-simulator",
            "network_script": "simulator", "language": "en",
        })
        self.inputs: asyncio.Queue[CallerInput] = asyncio.Queue()
        self.waiting = asyncio.Event()  # set while the flow listens for the caller
        self.listening_for: str = ""  # "prompt", "keys", "key" or "speech"
        self.interrupt_keys: str = ""  # while a prompt plays: the keys that stop it
        self._pending: list[CallerInput] = []  # words typed over a prompt, for the next listen
        self.heard: list[Heard] = []
        self.events: list[str] = []  # what the PBX did: transfers, dials, hang-ups
        self.variables: dict[str, str] = {}
        self._said: list[str] = []  # typed words waiting for the recogniser
        self._left = False
        self._gone = False

    # --- the environment ---------------------------------------------------------------------

    @property
    def env(self) -> Mapping[str, str]:
        return self._env

    @property
    def uniqueid(self) -> str:
        return self._env["uniqueid"]

    @property
    def caller_number(self) -> str | None:
        number = self._env["callerid"]
        return None if number == "unknown" else number

    # --- the caller ----------------------------------------------------------------------------

    async def _listen(self, kind: str, interrupt_keys: str = "") -> CallerInput:
        self._check()
        if self._pending:
            given = self._pending.pop(0)
        else:
            self.listening_for, self.interrupt_keys = kind, interrupt_keys
            self.waiting.set()
            try:
                given = await self.inputs.get()
            finally:
                self.waiting.clear()
                self.listening_for = self.interrupt_keys = ""
        if given.kind == "hangup":
            self._gone = True
            raise ChannelHangup("the simulated caller hung up")
        return given

    def take_said(self) -> str:
        return self._said.pop(0) if self._said else ""

    def _check(self) -> None:
        if self._gone:
            raise ChannelHangup("the call is already over")
        if self._left:  # the queue or the dialled party ended the call
            self._gone = True
            raise ChannelHangup("the call ended at the PBX")

    # --- commands ----------------------------------------------------------------------------

    async def answer(self) -> None:
        self._check()

    async def stream_file(self, filename: str, escape_digits: str = "") -> str | None:
        self._check()
        self._play(filename)
        if not escape_digits:
            return None  # nothing the caller does stops this prompt
        given = await self._listen("prompt", escape_digits)
        if given.kind == "keys" and given.value[:1] in tuple(escape_digits):
            return given.value[0]  # Asterisk stops at the key; later keys of the entry are lost
        if given.kind == "say":
            self._pending.insert(0, given)  # heard when the flow next listens for speech
        return None  # the prompt played to its end (other keys are dropped, as by Asterisk)

    async def get_data(self, filename: str, timeout_ms: int, max_digits: int) -> DigitsResult:
        self._check()
        self._play(filename)
        given = await self._listen("keys")
        if given.kind != "keys":
            return DigitsResult("", timed_out=True)  # silence, or words GET DATA cannot hear
        entry, hashed, _ = given.value.partition("#")
        return DigitsResult(entry[:max_digits],
                            timed_out=not hashed and len(entry) < max_digits)

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        if timeout_ms == 0:
            self._check()
            return None
        given = await self._listen("key")
        if given.kind == "keys" and given.value:
            return given.value[0]
        return None

    async def record_file(self, filename: str, fmt: str = "wav", escape_digits: str = "",
                          timeout_ms: int = 8000, silence_seconds: int | None = 1,
                          beep: bool = False) -> RecordResult:
        given = await self._listen("speech")
        if given.kind == "keys" and given.value and given.value[0] in escape_digits:
            await asyncio.to_thread(_silence, Path(f"{filename}.{fmt}"))
            return RecordResult(given.value[0], "dtmf", 0)
        if given.kind == "say":
            self._said.append(given.value)
        # Words are typed, not spoken: the file holds silence and the recogniser reads the text.
        await asyncio.to_thread(_silence, Path(f"{filename}.{fmt}"))
        return RecordResult(None, "silence", 8000)

    async def set_variable(self, name: str, value: str) -> None:
        self._check()
        self.variables[name] = value

    async def get_variable(self, name: str) -> str | None:
        self._check()
        builtins = {"UNIQUEID": self.uniqueid, "CALLERID(num)": self.caller_number or ""}
        return self.variables.get(name, builtins.get(name))

    async def exec(self, application: str, *args: str) -> int:
        self._check()
        app = application.lower()
        if app in ("queue", "dial"):
            # A person takes the call: the simulation ends here, as the PBX simulator's does.
            self.events.append(f"{application}({','.join(args)})")
            self._left = True
            if app == "dial":
                self.variables["DIALSTATUS"] = "ANSWER"
            return -1
        if app == "set" and args and "=" in args[0]:
            name, value = args[0].split("=", 1)
            self.variables[name] = value
        elif app not in ("goto", "gosub", "noop", "verbose", "wait", "answer", "playback",
                         "background", "saydigits", "saynumber", "sayalpha", "musiconhold",
                         "transfer", "hangup"):
            raise AgiError(f"EXEC {application}: no such application in the simulator")
        if app == "hangup":
            self._left = True
        return 0

    async def verbose(self, message: str, level: int = 1) -> None:
        self._check()

    async def hangup(self) -> None:
        if not self._gone:
            self.events.append("hangup")
        self._gone = True

    def _play(self, filename: str) -> None:
        audio = Path(filename + ".wav")
        transcript = Path(filename + ".txt")
        try:
            text = transcript.read_text(encoding="utf-8").strip()
        except OSError:
            text = ""
        self.heard.append(Heard(audio, text))


def _silence(path: Path, seconds: float = 0.5) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * int(8000 * seconds))


class TypedRecognizer:
    """Hears what the user typed for the caller, matched as the real recogniser matches."""

    def __init__(self, channel: BrowserChannel) -> None:
        self._channel = channel

    def supports(self, language: str) -> bool:
        return True

    async def recognize(self, audio: bytes, sample_rate: int, phrases: Sequence[str],
                        language: str) -> Recognition:
        text = self._channel.take_said()
        index = match_phrase(text, phrases)
        return Recognition(text, 1.0 if index is not None else 0.0, index)


@dataclass
class Simulation:
    id: str
    owner: str
    flow: str
    channel: BrowserChannel
    task: asyncio.Task[CallContext] | None = None
    ctx: CallContext | None = None
    touched: float = field(default_factory=time.monotonic)

    def observe(self, ctx: CallContext) -> None:
        self.ctx = ctx

    async def settle(self) -> None:
        """Wait until the flow listens for the caller again, or the call is over."""
        assert self.task is not None
        waiting = asyncio.ensure_future(self.channel.waiting.wait())
        try:
            await asyncio.wait({waiting, self.task}, timeout=STEP_SECONDS,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()

    def state(self, audio_url: Callable[[int], str], since: int = 0) -> dict[str, Any]:
        journey = self.ctx.journey if self.ctx is not None else []
        path = [[e.data["flow"], e.data["node"]] for e in journey if e.kind == "node"]
        done = self.task is not None and self.task.done()
        outcome = None
        if done and self.task is not None and not self.task.cancelled():
            error = self.task.exception()
            outcome = f"error: {type(error).__name__}" if error else str(
                self.task.result().outcome)
        return {
            "id": self.id,
            "heard": [{"n": n, "text": h.text, "audio": audio_url(n)}
                      for n, h in enumerate(self.channel.heard) if n >= since],
            "path": path,
            "listening": "" if done else self.channel.listening_for,
            "interrupt_keys": "" if done else self.channel.interrupt_keys,
            "events": list(self.channel.events),
            "ended": done,
            "outcome": outcome,
            "verified": bool(self.ctx is not None and self.ctx.is_verified),
        }


class Simulations:
    """The simulations open now, by id; each belongs to the user who started it."""

    def __init__(self, runners: RunnerFactory) -> None:
        self._runners = runners
        self._open: dict[str, Simulation] = {}

    async def start(self, owner: str, flow: str, caller: str | None) -> Simulation:
        await self._expire(owner)
        channel = BrowserChannel(caller)
        simulation = Simulation(secrets.token_urlsafe(16), owner, flow, channel)
        runner = await self._runners(TypedRecognizer(channel), simulation.observe)
        simulation.task = asyncio.create_task(runner.handle(channel, flow))
        self._open[simulation.id] = simulation
        await simulation.settle()
        return simulation

    def get(self, sid: str, owner: str) -> Simulation | None:
        simulation = self._open.get(sid)
        if simulation is None or simulation.owner != owner:
            return None  # another user's simulation is as good as none
        simulation.touched = time.monotonic()
        return simulation

    async def step(self, simulation: Simulation, given: CallerInput) -> None:
        if simulation.task is None or simulation.task.done():
            return
        simulation.channel.waiting.clear()
        await simulation.channel.inputs.put(given)
        await simulation.settle()

    async def _expire(self, owner: str) -> None:
        now = time.monotonic()
        mine = sorted((s for s in self._open.values() if s.owner == owner),
                      key=lambda s: s.touched)
        old = [s for s in self._open.values() if now - s.touched > IDLE_SECONDS]
        old += mine[:max(0, len(mine) - PER_USER + 1)]
        for simulation in old:
            self._open.pop(simulation.id, None)
            if simulation.task is not None and not simulation.task.done():
                simulation.task.cancel()
                await asyncio.gather(simulation.task, return_exceptions=True)

    async def close(self) -> None:
        for simulation in list(self._open.values()):
            if simulation.task is not None:
                simulation.task.cancel()
                await asyncio.gather(simulation.task, return_exceptions=True)
        self._open.clear()


if TYPE_CHECKING:  # mypy proves BrowserChannel satisfies the Channel protocol
    _protocol_check: type[Channel] = BrowserChannel
    _recognizer_check: type[Recognizer] = TypedRecognizer
