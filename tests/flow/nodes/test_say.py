"""`say`: a prompt played once (or once per item), a listed key leaves it early."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from ivr.channel import ChannelHangup, PlaybackFailed
from ivr.flow.nodes import say
from ivr.flow.nodes.say import SayNode
from ivr.pbxsim.memory_channel import MemoryChannel, hang_up_during, press
from ivr.services.hotline_services import HotlineServices
from tests.flow.nodes.factory import ZH, events, make_context, prompts_heard, shipped_node

GREETING = shipped_node("hotline", "greeting", SayNode)  # keys 9 and 8, next announce_check
OUTAGES = shipped_node("hotline", "outage_announce", SayNode)  # for_each outages_active
TZ = ZoneInfo("Asia/Shanghai")


async def test_plays_the_prompt_and_goes_on(services: HotlineServices) -> None:
    channel = MemoryChannel()
    ctx = make_context(channel, services=services)
    assert await say.run(GREETING, ctx) == "announce_check"
    assert channel.verbs() == ["STREAM FILE"]
    assert channel.commands[0].args[1] == "98"  # only the listed keys interrupt
    assert channel.played == [f"/tts/zh-CN/{ZH['greeting']}"]
    assert events(ctx, "prompt") == [{"name": "greeting", "text": ZH["greeting"]}]
    assert events(ctx, "key") == []


async def test_listed_key_during_the_prompt_leaves_by_its_target(
    services: HotlineServices,
) -> None:
    ctx = make_context(MemoryChannel(["9"]), services=services)
    assert await say.run(GREETING, ctx) == "english"
    assert events(ctx, "key") == [{"digits": "9", "during": "greeting"}]


async def test_other_key_during_the_prompt_is_ignored(services: HotlineServices) -> None:
    channel = MemoryChannel(during=[press("5", during=ZH["greeting"])])
    ctx = make_context(channel, services=services)
    assert await say.run(GREETING, ctx) == "announce_check"
    assert events(ctx, "key") == []


async def test_scripted_answer_for_a_later_question_waits(services: HotlineServices) -> None:
    # The caller who will press 1 at the menu lets the greeting play to its end.
    channel = MemoryChannel(["1"])
    ctx = make_context(channel, services=services)
    assert await say.run(GREETING, ctx) == "announce_check"
    assert channel.responses_left == 1


async def test_for_each_plays_once_per_item_with_its_values(services: HotlineServices) -> None:
    items = [
        {"outage_kind": "fault", "since_said": "今天8点", "eta_said": "今天12点30分",
         "cause_said": ""},
        {"outage_kind": "planned", "since_said": "今天9点", "eta_said": "今天17点",
         "cause_said": "，原因是线路检修"},
    ]
    channel = MemoryChannel()
    ctx = make_context(channel, services=services, outages_active=items)
    assert await say.run(OUTAGES, ctx) == "outage_announce_no_eta"
    texts = [str(e["text"]) for e in events(ctx, "prompt")]
    assert len(texts) == 2 == len(channel.played)
    assert "故障" in texts[0] and "计划检修" in texts[1]
    assert texts[0] != texts[1]


async def test_for_each_of_an_empty_list_plays_nothing(services: HotlineServices) -> None:
    channel = MemoryChannel()
    ctx = make_context(channel, services=services, outages_active=[])
    assert await say.run(OUTAGES, ctx) == "outage_announce_no_eta"
    assert channel.commands == [] and ctx.journey == []


async def test_hang_up_during_the_prompt_ends_the_call(services: HotlineServices) -> None:
    channel = MemoryChannel(during=[hang_up_during(ZH["greeting"])])
    ctx = make_context(channel, services=services)
    with pytest.raises(ChannelHangup):
        await say.run(GREETING, ctx)
    assert prompts_heard(ctx) == ["greeting"]  # it had started
    with pytest.raises(ChannelHangup):  # and the channel stays gone
        await channel.stream_file("/tts/zh-CN/x")
    assert channel.verbs() == ["STREAM FILE", "NOOP"]


async def test_unplayable_prompt_raises_for_the_engine_fallback(
    services: HotlineServices,
) -> None:
    channel = MemoryChannel(unplayable=[ZH["greeting"]])
    ctx = make_context(channel, services=services)
    with pytest.raises(PlaybackFailed):
        await say.run(GREETING, ctx)
    # As AgiChannel: a NOOP tells a file Asterisk cannot play from a hangup.
    assert channel.verbs() == ["STREAM FILE", "NOOP"]
    assert not channel.hung_up
