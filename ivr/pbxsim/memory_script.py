"""The scripted caller of `MemoryChannel` (`ivr.pbxsim.memory_channel`): what a test says the
caller does beyond the simulator's script (keys or a hang-up during a prompt, keys only once
a prompt has finished), the results a Queue or Dial leaves, what the channel logs, and the
argument checks AgiChannel makes before it sends a command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ivr.channel import AgiError, RecordingFailed, RecordResult
from ivr.pbxsim import HANG_UP, ExecBehaviour, Response, parse_response

_DIGITS = re.compile(r"[0-9*#A-Da-d]*")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\(.*\))?")


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
class AfterPrompt(Response):
    """Keys the caller presses only once the prompt has finished."""


def after_prompt(digits: str) -> Response:
    """Keys pressed when asked (GET DATA, WAIT FOR DIGIT), never during a playback: a menu
    then reads them with WAIT FOR DIGIT after its prompt."""
    response = parse_response(digits)
    if response.kind != "keys":
        raise ValueError(f"after_prompt: not phone keys: {digits!r}")
    return AfterPrompt("keys", response.digits)


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


class CallerScript:
    """What the caller does each time the flow listens, in order; then `when_done`."""

    def __init__(self, responses: Iterable[ScriptStep | None], when_done: Response) -> None:
        self.pending: list[Response | RecordResult | RecordingFailed] = [
            step if isinstance(step, RecordResult | RecordingFailed) else parse_response(step)
            for step in responses
        ]
        self.when_done = when_done
        self.keys_pressed: list[str] = []  # keys the flow read, as the caller pressed them

    def peek(self) -> Response | RecordResult | RecordingFailed:
        return self.pending[0] if self.pending else self.when_done

    def pop(self) -> Response | RecordResult | RecordingFailed:
        return self.pending.pop(0) if self.pending else self.when_done

    def take(self) -> Response | RecordResult | RecordingFailed:
        step = self.pop()
        if isinstance(step, Response) and step.kind == "keys":
            self.keys_pressed.append(step.digits)
        return step

    def take_digits(self, count: int, response: Response | None = None) -> str:
        """Consume up to `count` keys of the pending keys (or of a prompt's targeted keys)."""
        if response is not None and (not self.pending or self.pending[0] is not response):
            taken = response.digits[:count]  # keys pressed during a prompt, not in the script
            self.keys_pressed.append(taken)
            return taken
        head = self.pending[0]
        assert isinstance(head, Response) and head.kind == "keys"
        taken, rest = head.digits[:count], head.digits[count:]
        if rest:
            self.pending[0] = Response("keys", rest)
        else:
            self.pending.pop(0)
        self.keys_pressed.append(taken)
        return taken


def check_digits(digits: str) -> None:
    if not _DIGITS.fullmatch(digits):
        raise AgiError(f"not DTMF digits: {digits!r}")


def check_variable(name: str) -> None:
    if not _VARIABLE.fullmatch(name):
        raise AgiError(f"not a channel variable name: {name!r}")
