"""A prompt that cannot be rendered is still heard: its values said by Asterisk itself.

The synthesizer measures every rendering and retries a bad one on a fresh engine; when it still
fails during a call, the caller is not left in silence. A short sentence rendered ahead of time
(`values_follow`, a static prompt) says that the details follow, then the values that Asterisk
can say from its own sound files — work-order and account numbers (SayAlpha/SayDigits), counts
and whole amounts (SayNumber) — are said through the Channel. A prompt with nothing Asterisk
can say raises the rendering error, and the engine's failure path apologises and hands the
caller to a person.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ivr.speech.tts import TtsError

if TYPE_CHECKING:
    from ivr.flow.context import CallContext

log = logging.getLogger(__name__)

FALLBACK_PROMPT = "values_follow"


def channel_reading(kind: str, value: Any) -> tuple[str, str] | None:
    """The dialplan application and argument that say `value` of `kind`, or None."""
    if kind == "digits":
        chars = re.sub(r"[^0-9A-Za-z]", "", str(value))
        if not chars:
            return None
        return ("SayDigits", chars) if chars.isdigit() else ("SayAlpha", chars)
    if kind in ("number", "money") and isinstance(value, int | Decimal | float):
        return "SayNumber", str(int(value))
    return None


async def say_without_tts(
    ctx: CallContext,
    name: str,
    escape_digits: str,
    extra: Mapping[str, Any] | None,
    error: TtsError,
) -> str | None:
    """Say prompt `name` without rendering it; re-raises `error` when nothing can be said."""
    log.error("call %s: prompt %s (%s) not rendered, said by the PBX: %s",
              ctx.channel.uniqueid, name, ctx.language, error)
    ctx.record("prompt_failed", name=name, error=str(error))
    values = ctx.values(extra)
    prompt = ctx.flows.prompts.by_language[ctx.language][name]
    readings = [
        reading
        for field, kind in prompt.fields()
        if (reading := channel_reading(kind, values.get(field))) is not None
    ]
    if not readings:
        raise error
    digit: str | None = None
    if name != FALLBACK_PROMPT and ctx.flows.prompts.has(FALLBACK_PROMPT, ctx.language):
        try:
            path = await ctx.prompt_file(FALLBACK_PROMPT)
            digit = await ctx.channel.stream_file(path, escape_digits)
        except TtsError:
            pass  # the values alone, then
    for application, argument in readings:
        await ctx.channel.exec(application, argument)
        ctx.record("said_by_pbx", application=application, value=argument)
    return digit
