"""`menu`: one key per option; a wrong key or silence is said and the menu asked again."""

from __future__ import annotations

import wave
from collections.abc import Sequence
from pathlib import Path

import pytest

from ivr.channel import ChannelHangup, RecordingFailed, RecordResult
from ivr.flow.nodes import menu
from ivr.flow.nodes.menu import MenuNode
from ivr.flow.schema import DIGITS
from ivr.flow.speech_input import CallSpeech
from ivr.pbxsim.caller import Response
from ivr.pbxsim.memory_channel import MemoryChannel, after_prompt, hang_up_during
from ivr.services.hotline_services import HotlineServices
from ivr.speech.asr import NOTHING, Recognition
from tests.flow.nodes.factory import (
    EN,
    ZH,
    events,
    make_context,
    make_node,
    prompts_heard,
    shipped_node,
)

MAIN = shipped_node("hotline", "main_menu", MenuNode)  # tries 3, timeout 5 s, on_fail to_general
OFFER = shipped_node("person", "offer_manager", MenuNode)  # tries 1, on_fail dial_manager
# The phrases a recogniser is asked for in English, in the order the menu lists them.
MAIN_PHRASES_EN = [p for said in MAIN.phrases.values() for p in said.get("en-US", [])]


async def test_key_during_the_prompt_chooses_at_once(services: HotlineServices) -> None:
    channel = MemoryChannel(["2"])
    ctx = make_context(channel, services=services)
    assert await menu.run(MAIN, ctx) == "to_repair"
    assert channel.verbs() == ["STREAM FILE"]
    assert channel.commands[0].args[1] == DIGITS  # every key interrupts the prompt
    assert events(ctx, "key") == [{"digits": "2", "during": "main_menu"}]
    assert events(ctx, "menu_retry") == []


async def test_key_after_the_prompt_is_waited_for(services: HotlineServices) -> None:
    channel = MemoryChannel([after_prompt("0")])
    ctx = make_context(channel, services=services)
    assert await menu.run(MAIN, ctx) == "to_person"
    assert channel.verbs() == ["STREAM FILE", "WAIT FOR DIGIT"]
    assert channel.commands[1].args == ("5000",)  # the node's timeout
    assert events(ctx, "key") == [{"digits": "0", "during": "main_menu"}]


async def test_wrong_key_is_said_and_the_menu_asked_again(services: HotlineServices) -> None:
    ctx = make_context(MemoryChannel(["7", "1"]), services=services)
    assert await menu.run(MAIN, ctx) == "outage_contact"
    assert prompts_heard(ctx) == ["main_menu", "invalid_key", "main_menu"]
    assert events(ctx, "menu_retry") == [
        {"prompt": "main_menu", "attempt": 1, "reason": "invalid"}]


async def test_silence_is_said_and_the_menu_asked_again(services: HotlineServices) -> None:
    channel = MemoryChannel(["", "3"])
    ctx = make_context(channel, services=services)
    assert await menu.run(MAIN, ctx) == "bill_contact"
    assert prompts_heard(ctx) == ["main_menu", "no_input", "main_menu"]
    assert events(ctx, "menu_retry") == [
        {"prompt": "main_menu", "attempt": 1, "reason": "no_input"}]
    assert channel.verbs() == ["STREAM FILE", "WAIT FOR DIGIT", "STREAM FILE", "STREAM FILE"]


@pytest.mark.parametrize("script", [("7", "9", "*"), ("", "", ""), ("#", "", "7")])
async def test_tries_exhausted_go_to_on_fail(
    services: HotlineServices, script: Sequence[str]
) -> None:
    channel = MemoryChannel(script)
    ctx = make_context(channel, services=services)
    assert await menu.run(MAIN, ctx) == "to_general"
    assert prompts_heard(ctx).count("main_menu") == 3
    # The retry prompt follows the first two failures only: the third goes straight on.
    assert len(prompts_heard(ctx)) == 5
    assert [e["reason"] for e in events(ctx, "menu_retry")] == [
        "invalid" if key else "no_input" for key in script]
    assert events(ctx, "menu_failed") == [{"prompt": "main_menu", "tries": 3}]
    assert channel.responses_left == 0


async def test_single_try_menu_goes_on_without_a_retry_prompt(
    services: HotlineServices,
) -> None:
    ctx = make_context(MemoryChannel([""]), services=services)
    assert await menu.run(OFFER, ctx) == "dial_manager"
    assert prompts_heard(ctx) == ["offer_manager"]
    assert events(ctx, "menu_failed") == [{"prompt": "offer_manager", "tries": 1}]


async def test_star_and_hash_can_be_options(services: HotlineServices) -> None:
    node = make_node(MenuNode, type="menu", prompt="outage_after",
                     options={"*": "back", "#": "again"}, on_fail="out")
    ctx = make_context(MemoryChannel(["#"]), services=services)
    assert await menu.run(node, ctx) == "again"


async def test_hang_up_at_the_second_question(services: HotlineServices) -> None:
    channel = MemoryChannel(["7", "h"])
    ctx = make_context(channel, services=services)
    with pytest.raises(ChannelHangup):
        await menu.run(MAIN, ctx)
    assert prompts_heard(ctx) == ["main_menu", "invalid_key", "main_menu"]
    assert channel.verbs()[-1] == "WAIT FOR DIGIT"
    assert channel.hung_up


async def test_hang_up_during_the_retry_prompt(services: HotlineServices) -> None:
    channel = MemoryChannel([""], during=[hang_up_during(ZH["no_input"])])
    ctx = make_context(channel, services=services)
    with pytest.raises(ChannelHangup):
        await menu.run(MAIN, ctx)
    assert prompts_heard(ctx) == ["main_menu", "no_input"]
    assert events(ctx, "menu_failed") == []


# --- spoken answers (English has phrases and a speech prompt in the shipped main menu) ------


class OneAnswer:
    """A `Recognizer` that hears `heard` (an index into the phrases asked for) in any audio."""

    def __init__(self, heard: Recognition = NOTHING) -> None:
        self.heard = heard
        self.asked: list[Sequence[str]] = []

    def supports(self, language: str) -> bool:
        return language == "en-US"

    async def recognize(self, audio: bytes, sample_rate: int, phrases: Sequence[str],
                        language: str) -> Recognition:
        self.asked.append(phrases)
        return self.heard


def write_audio(filename: str, fmt: str, response: Response) -> None:
    """Stands for Asterisk writing the recording: a short silent 8 kHz wav."""
    with wave.open(f"{filename}.{fmt}", "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes(1600))


async def test_spoken_answer_chooses_the_option(
    services: HotlineServices, tmp_path: Path
) -> None:
    recognizer = OneAnswer()
    channel = MemoryChannel(["say:repair"], on_record=write_audio)
    speech = CallSpeech(recognizer, tmp_path, channel.uniqueid)
    ctx = make_context(channel, services=services, language="en-US", speech=speech)
    recognizer.heard = Recognition("repair", 0.9, MAIN_PHRASES_EN.index("repair"))
    assert await menu.run(MAIN, ctx) == "to_repair"
    assert prompts_heard(ctx) == ["main_menu_speech"]
    assert channel.verbs() == ["STREAM FILE", "RECORD FILE"]
    assert events(ctx, "recognition") == [
        {"text": "repair", "confidence": 0.9, "option": "2", "attempt": 1}]
    await speech.close()


async def test_recording_failure_falls_back_to_the_keypad_menu(
    services: HotlineServices, tmp_path: Path
) -> None:
    channel = MemoryChannel([RecordingFailed("no directory"), "4"])
    speech = CallSpeech(OneAnswer(), tmp_path, channel.uniqueid)
    ctx = make_context(channel, services=services, language="en-US", speech=speech)
    assert await menu.run(MAIN, ctx) == "to_feedback"
    assert prompts_heard(ctx) == ["main_menu_speech", "main_menu"]
    assert events(ctx, "speech_error") == [{"error": "RecordingFailed"}]
    await speech.close()


async def test_key_while_recording_chooses_the_option(
    services: HotlineServices, tmp_path: Path
) -> None:
    channel = MemoryChannel([RecordResult("0", "dtmf", 0)])
    speech = CallSpeech(OneAnswer(), tmp_path, channel.uniqueid)
    ctx = make_context(channel, services=services, language="en-US", speech=speech)
    assert await menu.run(MAIN, ctx) == "to_person"
    assert events(ctx, "key") == [{"digits": "0", "during": "speech"}]
    await speech.close()


async def test_language_without_recognition_gets_the_keypad_menu(
    services: HotlineServices, tmp_path: Path
) -> None:
    channel = MemoryChannel(["1"])
    speech = CallSpeech(OneAnswer(), tmp_path, channel.uniqueid)
    ctx = make_context(channel, services=services, language="zh-CN", speech=speech)
    assert await menu.run(MAIN, ctx) == "outage_contact"
    assert channel.played == [f"/tts/zh-CN/{ZH['main_menu']}"]
    assert "RECORD FILE" not in channel.verbs()
    assert EN["main_menu_speech"] not in " ".join(channel.played)

