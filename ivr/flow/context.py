"""What a running call carries from node to node: the channel, its variables, its journey."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ivr.flow.channel import Channel
from ivr.flow.fallback import say_without_tts
from ivr.services.calls import JourneyEvent
from ivr.speech.tts import Synthesizer, TtsError

if TYPE_CHECKING:
    from ivr.flow.flowset import FlowSet
    from ivr.flow.services import FlowServices
    from ivr.flow.speech_input import CallSpeech

log = logging.getLogger(__name__)


@dataclass
class CallContext:
    """One call's state. Variables hold typed values (datetimes, Decimals, dataclasses)."""

    channel: Channel
    flows: FlowSet
    services: FlowServices
    synth: Synthesizer
    language: str
    outbound_dial: str
    ring_seconds: float
    tz: ZoneInfo
    vars: dict[str, Any] = field(default_factory=dict)
    journey: list[JourneyEvent] = field(default_factory=list)
    outcome: str | None = None  # self_served | transferred | caller_hung_up | error
    queue: str | None = None
    account: str | None = None  # the premises the call is about, once known
    speech: CallSpeech | None = None  # spoken menu answers; None: keys only

    def record(self, kind: str, /, **data: Any) -> None:
        """Append a journey event (kept in memory; written with the call record at the end)."""
        self.journey.append(JourneyEvent(at=datetime.now(UTC), kind=kind, data=data))

    def values(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {**self.vars, **(extra or {})}

    async def prompt_file(self, name: str, extra: Mapping[str, Any] | None = None) -> str:
        """Render a prompt to audio; records the text the caller hears. Returns the file path."""
        text = self.flows.prompts.render(name, self.language, self.values(extra))
        path = await self.synth.render(text, self.language)
        self.record("prompt", name=name, text=text)
        return str(path)

    async def play(self, name: str, escape_digits: str = "",
                   extra: Mapping[str, Any] | None = None) -> str | None:
        try:
            path = await self.prompt_file(name, extra)
        except TtsError as exc:  # never silence: the values are said by the PBX instead
            return await say_without_tts(self, name, escape_digits, extra, exc)
        digit = await self.channel.stream_file(path, escape_digits)
        if digit:
            self.record("key", digits=digit, during=name)
        return digit
