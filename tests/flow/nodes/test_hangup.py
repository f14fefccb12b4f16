"""`hangup`: an optional goodbye, then the IVR ends the call."""

from __future__ import annotations

import pytest

from ivr.channel import ChannelHangup
from ivr.flow.nodes import hangup
from ivr.flow.nodes.hangup import HangupNode
from ivr.pbxsim.memory_channel import MemoryChannel, hang_up_during
from ivr.services.hotline_services import HotlineServices
from tests.flow.nodes.factory import (
    ZH,
    make_context,
    make_node,
    outcome,
    prompts_heard,
    set_outcome,
    shipped_node,
)

GOODBYE = shipped_node("repair", "goodbye", HangupNode)  # prompt goodbye


async def test_goodbye_then_hang_up(services: HotlineServices) -> None:
    channel = MemoryChannel()
    ctx = make_context(channel, services=services)
    assert await hangup.run(GOODBYE, ctx) is None
    assert outcome(ctx) == "self_served"
    assert channel.verbs() == ["STREAM FILE", "HANGUP"]
    assert prompts_heard(ctx) == ["goodbye"]
    assert channel.hung_up
    with pytest.raises(ChannelHangup):
        await channel.verbose("after the end")


async def test_outcome_already_reached_is_kept(services: HotlineServices) -> None:
    ctx = make_context(MemoryChannel(), services=services)
    set_outcome(ctx, "transferred")
    await hangup.run(GOODBYE, ctx)
    assert outcome(ctx) == "transferred"


async def test_without_a_prompt_only_hangs_up(services: HotlineServices) -> None:
    channel = MemoryChannel()
    ctx = make_context(channel, services=services)
    assert await hangup.run(make_node(HangupNode, type="hangup"), ctx) is None
    assert channel.verbs() == ["HANGUP"] and ctx.journey == []


async def test_caller_gone_right_after_the_goodbye_is_still_served(
    services: HotlineServices,
) -> None:
    channel = MemoryChannel(hangup_after=1)  # hangs up as the goodbye ends
    ctx = make_context(channel, services=services)
    assert await hangup.run(GOODBYE, ctx) is None
    assert outcome(ctx) == "self_served"
    assert channel.verbs() == ["STREAM FILE", "HANGUP"]  # sent, and refused: no error


async def test_hang_up_during_the_goodbye(services: HotlineServices) -> None:
    channel = MemoryChannel(during=[hang_up_during(ZH["goodbye"])])
    ctx = make_context(channel, services=services)
    with pytest.raises(ChannelHangup):
        await hangup.run(GOODBYE, ctx)
    assert outcome(ctx) is None  # the engine records the caller's hang-up
    assert channel.verbs() == ["STREAM FILE", "NOOP"]
