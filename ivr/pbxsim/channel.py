"""The simulated channel that AGI commands act on: its caller, clock and variables, and the
transcript of what happened on it, kept as each command handler records it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import replace

from ivr.pbxsim.caller import Caller, Response
from ivr.pbxsim.config import PbxConfig
from ivr.pbxsim.transcript import (
    CallEnded,
    CallTranscript,
    EndReason,
    Event,
    Heard,
    KeysPressed,
    Spoke,
    VariableSet,
)


class SimClock:
    """Simulated seconds since the call began; sleeps `seconds * scale` of real time."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.now = 0.0

    async def advance(self, seconds: float) -> None:
        self.now += seconds
        if self.scale > 0 and seconds > 0:
            await asyncio.sleep(seconds * self.scale)


class SimChannel:
    """One simulated channel with its caller, as the command handlers see it."""

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
        self.going = False  # hung up during this command; HANGUP is pushed after the reply

    def record(self, event: Event) -> None:
        self.transcript.events.append(event)
        if self.observer is not None:
            self.observer(event)

    def playing(self, heard: Heard) -> int:
        """Record a prompt as it starts (a live caller reads it before answering); returns
        its index for `played`."""
        self.record(heard)
        return len(self.transcript.events) - 1

    def played(
        self, index: int | None, *, interrupted_by: str | None = None, hung_up: bool = False
    ) -> None:
        """How the prompt recorded by `playing` ended; nothing when there was no prompt."""
        if index is None:
            return
        heard = self.transcript.events[index]
        assert isinstance(heard, Heard)
        self.transcript.events[index] = replace(
            heard, interrupted_by=interrupted_by, hung_up=hung_up
        )

    def end(self, reason: EndReason, detail: str = "") -> None:
        """The call ends (the first reason given is the one kept)."""
        if self.transcript.ended is None:
            self.transcript.ended = reason
            self.transcript.end_detail = detail
            self.record(CallEnded(self.clock.now, reason, detail))

    def hang_up(self, reason: EndReason, detail: str = "") -> None:
        """The channel goes away during the running command: its reply is followed by the
        HANGUP push, and later commands meet a dead channel."""
        self.going = True
        self.end(reason, detail)

    def caller_gone(self, during: str) -> None:
        self.hang_up(EndReason.CALLER_HUNG_UP, f"during {during}")

    def set_variable(self, name: str, value: str) -> None:
        self.variables[name] = value
        self.transcript.variables[name] = value
        self.record(VariableSet(self.clock.now, name, value))

    def keys(self, digits: str, command: str) -> None:
        """Keys the command read, if any."""
        if digits:
            self.record(KeysPressed(self.clock.now, digits, command))

    def unheard(self, response: Response, command: str) -> None:
        """The caller spoke to a command that listens for keys only."""
        if response.spoken:
            self.record(Spoke(self.clock.now, words(response), command))


def words(response: Response) -> str:
    """What a speaking caller said, as the transcript shows it."""
    return response.text if response.kind == "speech" else f"audio:{response.text}"
