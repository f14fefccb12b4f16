"""`answer`: a knowledge-base answer (flows/knowledge/*.yaml) spoken in the call's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.channel import ChannelHangup, PlaybackFailed
from ivr.flow.knowledge import KNOWLEDGE_DIR
from ivr.flow.nodes import answer
from ivr.flow.nodes.answer import AnswerNode
from ivr.flow.problems import FlowConfigError
from ivr.flow.schema import LANGUAGES
from ivr.pbxsim.memory_channel import MemoryChannel, hang_up_during, press
from ivr.services.hotline_services import HotlineServices
from ivr.speech.tts import TtsError
from tests.flow.nodes.factory import (
    TextSynthesizer,
    events,
    flows_from_yaml,
    kinds,
    make_context,
    make_node,
    shipped_flows,
    shipped_node,
)

TARIFFS = shipped_node("enquiry", "tariffs", AnswerNode)  # no keys, next tariffs_after
HOW_TO_APPLY = shipped_node("application", "how_to_apply", AnswerNode)  # new_connection
# The tariffs answer with keys, as a flow may give it: 0 for a person, 1 to hear it again.
WITH_KEYS = make_node(AnswerNode, type="answer", topic="tariffs",
                      keys={"0": "to_person", "1": "tariffs"}, next="after")


def text_of(topic: str, language: str) -> str:
    return shipped_flows().knowledge.text(topic, language)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_speaks_the_answer_in_the_call_language(
    services: HotlineServices, language: str
) -> None:
    synth = TextSynthesizer()
    channel = MemoryChannel()
    ctx = make_context(channel, services=services, synth=synth, language=language)
    assert await answer.run(TARIFFS, ctx) == "tariffs_after"
    said = text_of("tariffs", language)
    assert synth.rendered == [(said, language)]
    assert channel.played == [f"/tts/{language}/{said}"]
    assert channel.commands[0].args[1] == ""  # no keys listed: nothing interrupts it
    assert events(ctx, "prompt") == [{"name": "knowledge:tariffs", "text": said}]
    assert events(ctx, "knowledge") == [{"topic": "tariffs"}]
    assert kinds(ctx) == ["prompt", "knowledge"]


async def test_languages_have_different_answers(services: HotlineServices) -> None:
    zh = make_context(MemoryChannel(), services=services, language="zh-CN")
    en = make_context(MemoryChannel(), services=services, language="en-US")
    await answer.run(HOW_TO_APPLY, zh)
    await answer.run(HOW_TO_APPLY, en)
    [zh_said] = events(zh, "prompt")
    [en_said] = events(en, "prompt")
    assert "身份证" in str(zh_said["text"]) and "ID card" in str(en_said["text"])


def test_every_shipped_answer_has_its_topic_in_every_language() -> None:
    flows = shipped_flows()
    nodes = [node for flow in flows.flows.values() for node in flow.nodes.values()
             if isinstance(node, AnswerNode)]
    assert {node.topic for node in nodes} == set(flows.knowledge.answers)
    for node in nodes:
        for language in LANGUAGES:
            assert flows.knowledge.text(node.topic, language).strip()


def test_unknown_topic_never_loads(tmp_path: Path) -> None:
    (tmp_path / "flows" / KNOWLEDGE_DIR).mkdir(parents=True)
    (tmp_path / "flows" / KNOWLEDGE_DIR / "common.yaml").write_text(
        "tariffs:\n  zh-CN: 阶梯电价。\n  en-US: Tiered tariffs.\n", encoding="utf-8")
    with pytest.raises(FlowConfigError) as caught:
        flows_from_yaml(tmp_path, ask="""
flow: ask
start: tariffs
nodes:
  tariffs: {type: answer, topic: tarifs, next: bye}
  bye: {type: hangup, prompt: goodbye}
""")
    messages = [p.message for p in caught.value.problems]
    assert "unknown topic 'tarifs' (did you mean 'tariffs'?) (topics are in knowledge/*.yaml)" \
        in messages


def test_known_topic_loads(tmp_path: Path) -> None:
    (tmp_path / "flows" / KNOWLEDGE_DIR).mkdir(parents=True)
    (tmp_path / "flows" / KNOWLEDGE_DIR / "common.yaml").write_text(
        "tariffs:\n  zh-CN: 阶梯电价。\n  en-US: Tiered tariffs.\n", encoding="utf-8")
    flows = flows_from_yaml(tmp_path, ask="""
flow: ask
start: tariffs
nodes:
  tariffs: {type: answer, topic: tariffs, next: bye}
  bye: {type: hangup, prompt: goodbye}
""")
    assert flows.knowledge.text("tariffs", "en-US") == "Tiered tariffs."


async def test_listed_key_during_the_answer_leaves_by_its_target(
    services: HotlineServices,
) -> None:
    channel = MemoryChannel(["0"])
    ctx = make_context(channel, services=services)
    assert await answer.run(WITH_KEYS, ctx) == "to_person"
    assert channel.commands[0].args[1] == "01"
    assert events(ctx, "key") == [{"digits": "0", "during": "knowledge:tariffs"}]
    assert channel.responses_left == 0


async def test_other_key_during_the_answer_is_dropped(services: HotlineServices) -> None:
    channel = MemoryChannel(during=[press("7", during=text_of("tariffs", "zh-CN"))])
    ctx = make_context(channel, services=services)
    assert await answer.run(WITH_KEYS, ctx) == "after"
    assert events(ctx, "key") == []


async def test_key_for_the_next_menu_waits_for_it(services: HotlineServices) -> None:
    # The caller who will press 2 at the menu after the answer hears the answer out.
    channel = MemoryChannel(["2"])
    ctx = make_context(channel, services=services)
    assert await answer.run(TARIFFS, ctx) == "tariffs_after"
    assert events(ctx, "key") == []
    assert channel.responses_left == 1


async def test_hang_up_during_the_answer_ends_the_call(services: HotlineServices) -> None:
    channel = MemoryChannel(during=[hang_up_during(text_of("tariffs", "en-US"))])
    ctx = make_context(channel, services=services, language="en-US")
    with pytest.raises(ChannelHangup):
        await answer.run(TARIFFS, ctx)
    assert events(ctx, "knowledge") == [{"topic": "tariffs"}]  # it had started
    assert channel.hung_up
    assert channel.verbs() == ["STREAM FILE", "NOOP"]


async def test_unplayable_answer_raises_for_the_engine_fallback(
    services: HotlineServices,
) -> None:
    channel = MemoryChannel(unplayable=[text_of("tariffs", "zh-CN")])
    ctx = make_context(channel, services=services)
    with pytest.raises(PlaybackFailed):
        await answer.run(TARIFFS, ctx)
    assert not channel.hung_up


class BrokenSynthesizer:
    """A `Synthesizer` whose every rendering fails."""

    async def render(self, text: str, language: str) -> Path:
        raise TtsError(f"cannot render {text[:10]}... in {language}")


async def test_answer_that_cannot_be_rendered_is_raised_for_the_engine_fallback(
    services: HotlineServices,
) -> None:
    # Nothing in an answer can be said by Asterisk's own sounds: the engine apologises.
    channel = MemoryChannel()
    ctx = make_context(channel, services=services, synth=BrokenSynthesizer())
    with pytest.raises(TtsError):
        await answer.run(TARIFFS, ctx)
    assert channel.commands == []
    assert events(ctx, "knowledge") == []
