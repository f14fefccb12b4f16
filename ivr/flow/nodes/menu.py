"""A menu: one key per option, or a spoken answer where the menu lists phrases.

Speech is offered only when the menu has phrases in the call's language and the recogniser
serves that language; otherwise the menu is exactly the keypad menu. A key works at every step
of the spoken menu, two answers that are not understood fall back to the keypad menu, and an
answer heard with low confidence is confirmed with a key before it is acted on.
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import Field, field_validator

from ivr.channel import ChannelHangup
from ivr.flow.context import CallContext
from ivr.flow.schema import DIGITS, NodeModel, single_keys
from ivr.flow.speech_input import Answer, CallSpeech, SpokenChoice

log = logging.getLogger(__name__)

SPEECH_TRIES = 2  # spoken answers not understood before the keypad menu takes over
YES = "1"


class MenuNode(NodeModel):
    """Ask for one key; an invalid key or silence is said and the menu repeated, `tries` times."""

    type: Literal["menu"]
    prompt: str
    options: dict[str, str]
    timeout: float = Field(default=5.0, gt=0, le=60)  # seconds of silence after the prompt
    tries: int = Field(default=3, ge=1, le=9)
    invalid_prompt: str = "invalid_key"
    no_input_prompt: str = "no_input"
    on_fail: str
    # Spoken answers: option key → language → phrases. Used only where the recogniser serves
    # the call's language; elsewhere the menu stays keypad-only. Checked in validate.py.
    phrases: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    speech_prompt: str | None = None  # the menu prompt inviting speech ("...or say repair")
    confirm_prompt: str = "speech_confirm"  # "Did you say {choice:text}? ..."
    not_understood_prompt: str = "speech_not_understood"
    confirm_below: float = Field(default=0.25, ge=0, le=1)  # confidence that needs a yes
    speech_seconds: int = Field(default=6, ge=1, le=30)  # longest answer recorded

    @field_validator("options")
    @classmethod
    def _options_are_digits(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("a menu needs at least one option")
        return single_keys(value, "option ")

    def targets(self) -> dict[str, str]:
        return {f"options.{k}": v for k, v in self.options.items()} | {"on_fail": self.on_fail}


async def run(node: MenuNode, ctx: CallContext) -> str | None:
    speech = ctx.speech
    phrases = {option: said[ctx.language] for option, said in node.phrases.items()
               if said.get(ctx.language)}
    if speech is not None and phrases and node.speech_prompt and speech.offers(ctx.language):
        target = await _ask_by_speech(node, ctx, speech, phrases, node.speech_prompt)
        if target is not None:
            return target
    return await _ask_by_keypad(node, ctx)


async def _ask_by_keypad(node: MenuNode, ctx: CallContext) -> str | None:
    # Every key interrupts the prompt, so a wrong key is heard as wrong at once (and `#`/`*`
    # can be options, which GET DATA would swallow as the end-of-entry key).
    for attempt in range(1, node.tries + 1):
        digit = await ctx.play(node.prompt, DIGITS)
        if not digit:
            digit = await ctx.channel.wait_for_digit(int(node.timeout * 1000))
            if digit:
                ctx.record("key", digits=digit, during=node.prompt)
        if digit and digit in node.options:
            return node.options[digit]
        ctx.record("menu_retry", prompt=node.prompt, attempt=attempt,
                   reason="invalid" if digit else "no_input")
        if attempt < node.tries:
            await ctx.play(node.invalid_prompt if digit else node.no_input_prompt)
    ctx.record("menu_failed", prompt=node.prompt, tries=node.tries)
    return node.on_fail


async def _ask_by_speech(node: MenuNode, ctx: CallContext, speech: CallSpeech,
                         phrases: dict[str, list[str]], prompt: str) -> str | None:
    """The option chosen by voice (or by a key pressed meanwhile); None: use the keypad menu."""
    for attempt in range(1, SPEECH_TRIES + 1):
        digit = await ctx.play(prompt, DIGITS)
        answer = Answer(digit, None)
        if not digit:
            listened = await _listen(ctx, speech, phrases, node.speech_seconds)
            if listened is None:
                return None
            answer = listened
            if answer.digit:
                ctx.record("key", digits=answer.digit, during="speech")
        if answer.digit:
            if answer.digit in node.options:
                return node.options[answer.digit]
            # A key other than an option: the caller prefers keys, so the keypad menu follows.
            ctx.record("menu_retry", prompt=prompt, attempt=attempt, reason="invalid")
            await ctx.play(node.invalid_prompt)
            return None
        spoken = answer.spoken
        assert spoken is not None
        ctx.record("recognition", text=spoken.text, confidence=round(spoken.confidence, 3),
                   option=spoken.option, attempt=attempt)
        if spoken.option is not None:
            if spoken.confidence >= node.confirm_below:
                return node.options[spoken.option]
            confirmed = await _confirm(node, ctx, spoken)
            if confirmed is not None:
                return confirmed
        await ctx.play(node.not_understood_prompt)
    ctx.record("speech_fallback", prompt=prompt, tries=SPEECH_TRIES)
    return None


async def _listen(ctx: CallContext, speech: CallSpeech, phrases: dict[str, list[str]],
                  max_seconds: int) -> Answer | None:
    """One recorded, recognised answer; None when speech failed and the keypad must serve."""
    try:
        return await speech.listen(ctx.channel, phrases, ctx.language, max_seconds)
    except ChannelHangup:
        raise
    except Exception as exc:
        # A recording Asterisk could not write or a recogniser fault must not cost the caller
        # the menu: the keypad still works.
        log.exception("call %s: speech input failed; keypad menu instead", ctx.channel.uniqueid)
        ctx.record("speech_error", error=type(exc).__name__)
        return None


async def _confirm(node: MenuNode, ctx: CallContext, spoken: SpokenChoice) -> str | None:
    """"Did you say repair? Press 1 for yes": the option's target when confirmed, else None."""
    assert spoken.option is not None and spoken.phrase is not None
    digit = await ctx.play(node.confirm_prompt, DIGITS, extra={"choice": spoken.phrase})
    if not digit:
        digit = await ctx.channel.wait_for_digit(int(node.timeout * 1000))
        if digit:
            ctx.record("key", digits=digit, during=node.confirm_prompt)
    confirmed = digit == YES
    ctx.record("speech_confirm", option=spoken.option, confirmed=confirmed)
    return node.options[spoken.option] if confirmed else None
