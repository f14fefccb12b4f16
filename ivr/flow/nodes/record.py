"""`record`: the caller's own words, after a tone, kept with the next work order.

RECORD FILE with a beep, a time limit, an end on silence and `#` to finish. The recording is
kept (not deleted like a spoken menu answer) and the next `ticket` node attaches it to the work
order it opens. `into` receives what a work order's description may say about it: the
transcript where a recogniser heard something, "voice message (N s)", or "no message" when the
caller said nothing.
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import Field, field_validator

from ivr.channel import ChannelHangup
from ivr.flow.context import CallContext
from ivr.flow.schema import LANGUAGES, NodeModel
from ivr.flow.voice_message import RecordedMessage

log = logging.getLogger(__name__)

NO_MESSAGE = "no message"


class RecordNode(NodeModel):
    type: Literal["record"]
    prompt: str  # "After the tone, please tell us...; press # when you have finished."
    into: str = "voice_message"
    max_seconds: int = Field(default=60, ge=3, le=300)
    silence_seconds: int = Field(default=4, ge=1, le=30)
    # Words the recogniser may pick out of the message, per language (its transcript).
    keywords: dict[str, list[str]] = Field(default_factory=dict)
    next: str

    @field_validator("keywords")
    @classmethod
    def _known_languages(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for language, words in value.items():
            if language not in LANGUAGES:
                raise ValueError(f"unknown language {language!r} (languages: "
                                 f"{', '.join(LANGUAGES)})")
            if not all(word.strip() for word in words):
                raise ValueError(f"an empty keyword in {language}")
        return value

    def targets(self) -> dict[str, str]:
        return {"next": self.next}

    def sets(self, key: str) -> frozenset[str]:
        return frozenset({self.into}) if key == "next" else frozenset()


async def run(node: RecordNode, ctx: CallContext) -> str | None:
    ctx.vars[node.into] = NO_MESSAGE
    await ctx.play(node.prompt)
    messages = ctx.messages
    if messages is None:
        ctx.record("voice_message", kept=False, reason="not configured")
        return node.next
    try:
        base = await messages.next_base()
    except OSError as exc:
        # No directory for it: the work order is still opened, without the caller's words.
        log.exception("call %s: no directory for voice messages", ctx.channel.uniqueid)
        ctx.record("error", error=type(exc).__name__, during="record")
        return node.next
    wav = base.with_name(base.name + ".wav")
    keywords = node.keywords.get(ctx.language, ())
    try:
        result = await ctx.channel.record_file(
            str(base), "wav", "#", timeout_ms=node.max_seconds * 1000,
            silence_seconds=node.silence_seconds, beep=True)
        if result.digit:
            ctx.record("key", digits=result.digit, during=node.prompt)
        message = await messages.keep(wav, ctx.language, keywords)
    except ChannelHangup:
        # Hung up while speaking: Asterisk keeps what was recorded. The words are a contact
        # all the same, so the flow goes on to its work order (a danger report, a complaint);
        # the next node that talks to the caller ends the call. Nothing said: the call ends.
        message = await messages.keep(wav, ctx.language, keywords)
        if message is None:
            raise
        _kept(node, ctx, message, hung_up=True)
        return node.next
    except Exception as exc:
        # The work order is still opened, without the caller's words: never lose the contact.
        log.exception("call %s: voice message not recorded", ctx.channel.uniqueid)
        ctx.record("error", error=type(exc).__name__, during="record")
        return node.next
    if message is None:
        ctx.record("voice_message", kept=False, reason="no speech")
        return node.next
    _kept(node, ctx, message, hung_up=False)
    return node.next


def _kept(node: RecordNode, ctx: CallContext, message: RecordedMessage, *, hung_up: bool) -> None:
    ctx.vars[node.into] = message.transcript or f"voice message ({message.seconds:.0f} s)"
    ctx.record("voice_message", kept=True, seconds=round(message.seconds, 1),
               transcribed=message.transcript is not None, hung_up=hung_up)
