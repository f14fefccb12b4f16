"""What happened on a simulated call: commands and replies, what the caller heard, how it ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class EndReason(StrEnum):
    CALLER_HUNG_UP = "caller hung up"
    IVR_HUNG_UP = "IVR hung up"
    APPLICATION_ENDED = "call ended in a dialplan application"  # e.g. Queue bridged to an agent
    SCRIPT_ENDED = "AGI script ended; the dialplan continues"  # IVR closed with the call still up
    IVR_SILENT = "the IVR sent no command in time"
    CONNECT_FAILED = "could not connect to the FastAGI server"


@dataclass(frozen=True)
class Exchange:
    at: float  # simulated seconds since the connection
    command: str
    reply: str  # as sent, newline-separated (a pushed HANGUP line included)


@dataclass(frozen=True)
class Heard:
    at: float
    file: str
    text: str | None  # None: no such file; Asterisk answered result=-1
    interrupted_by: str | None = None
    hung_up: bool = False  # the caller hung up while it played


@dataclass(frozen=True)
class KeysPressed:
    at: float
    digits: str
    command: str  # the command that took them: STREAM FILE, GET DATA, WAIT FOR DIGIT


@dataclass(frozen=True)
class Spoke:
    """The caller spoke (or stayed silent into a recording)."""

    at: float
    words: str | None  # None: silence; "audio:PATH" for a given recording
    command: str  # RECORD FILE, or the key-only command that ignored the speech
    recorded_to: str | None = None  # the file RECORD FILE wrote
    seconds: float = 0.0  # length of that file


@dataclass(frozen=True)
class VariableSet:
    at: float
    name: str
    value: str


@dataclass(frozen=True)
class AppRun:
    at: float
    application: str
    args: str
    result: int


@dataclass(frozen=True)
class CallEnded:
    at: float
    reason: EndReason
    detail: str = ""


Event = Heard | KeysPressed | Spoke | VariableSet | AppRun | CallEnded


@dataclass
class CallTranscript:
    script: str
    caller: str | None
    uniqueid: str
    exchanges: list[Exchange] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)  # every SET VARIABLE, last value
    ended: EndReason | None = None
    end_detail: str = ""
    answered: bool = False
    answer_latency: float | None = None  # real seconds, connect to the ANSWER reply
    turnarounds: list[float] = field(default_factory=list)  # real seconds, reply to next command
    unsupported: list[str] = field(default_factory=list)  # commands the simulator does not model
    responses_left: int = 0
    responses_exhausted: bool = False  # the script ran out and the caller hung up

    @property
    def heard(self) -> list[Heard]:
        return [e for e in self.events if isinstance(e, Heard)]

    @property
    def prompts(self) -> list[str]:
        """The texts the caller heard, in order (missing files left out)."""
        return [h.text for h in self.heard if h.text is not None]

    @property
    def apps(self) -> list[AppRun]:
        return [e for e in self.events if isinstance(e, AppRun)]

    @property
    def commands(self) -> list[str]:
        return [x.command for x in self.exchanges]

    def render(self) -> str:
        """The call as a person reads it."""
        lines = [f"call {self.uniqueid} from {self.caller or 'unknown'} to {self.script}"]
        for event in self.events:
            lines.append(describe(event))
        return "\n".join(lines)


def describe(event: Event) -> str:
    """One event as a line of text (also what `ivr call` prints as the call goes)."""
    stamp = f"[{event.at:7.1f}s]"
    if isinstance(event, Heard):
        if event.text is None:
            return f"{stamp} (missing sound file {event.file}: nothing played)"
        tail = f"  <- {event.interrupted_by}" if event.interrupted_by else ""
        tail += "  (caller hung up)" if event.hung_up else ""
        return f"{stamp} IVR: {event.text}{tail}"
    if isinstance(event, KeysPressed):
        return f"{stamp} caller keys: {event.digits}"
    if isinstance(event, Spoke):
        said = f"caller says: {event.words}" if event.words else "caller says nothing"
        if event.recorded_to is None:
            return f"{stamp} {said}  (unheard: {event.command} listens for keys only)"
        return f"{stamp} {said}  (recorded {event.seconds:.1f} s to {event.recorded_to})"
    if isinstance(event, VariableSet):
        return f"{stamp} set {event.name}={event.value}"
    if isinstance(event, AppRun):
        return f"{stamp} {event.application}({event.args}) -> {event.result}"
    detail = f": {event.detail}" if event.detail else ""
    return f"{stamp} call ended: {event.reason}{detail}"
