"""`dial`: ring a number (a customer manager) for a number of rings; `next` when unanswered."""

from __future__ import annotations

import pytest

from ivr.channel import ChannelHangup
from ivr.flow.nodes import dial
from ivr.flow.nodes.dial import DialNode
from ivr.pbxsim.memory_channel import Command, MemoryChannel, dial_returns, hang_up_during
from ivr.services.hotline_services import HotlineServices
from tests.flow.nodes.factory import ZH, events, make_context, outcome, prompts_heard, shipped_node

# number manager_phone, 3 rings, prompt connecting_manager, next manager_unavailable
DIAL_MANAGER = shipped_node("person", "dial_manager", DialNode)
MANAGER = "+8613911112222"


async def test_manager_answers(services: HotlineServices) -> None:
    channel = MemoryChannel(applications={"dial": dial_returns("ANSWER")})
    ctx = make_context(channel, services=services, manager_phone=MANAGER)
    assert await dial.run(DIAL_MANAGER, ctx) is None
    assert (outcome(ctx), ctx.queue) == ("transferred", "customer_manager")
    # Three rings of five seconds, through the outbound dial template.
    assert Command("EXEC", ("Dial", f"PJSIP/{MANAGER}@carrier,15")) in channel.commands
    assert prompts_heard(ctx) == ["connecting_manager"]
    assert events(ctx, "dial") == [{"rings": 3, "timeout": 15}]
    assert events(ctx, "dial_result") == [{"status": "ANSWER"}]
    assert MANAGER not in repr([e.data for e in ctx.journey])  # numbers stay out


@pytest.mark.parametrize("status", ["NOANSWER", "BUSY", "CHANUNAVAIL"])
async def test_unanswered_goes_on(services: HotlineServices, status: str) -> None:
    channel = MemoryChannel(applications={"dial": dial_returns(status)})
    ctx = make_context(channel, services=services, manager_phone=MANAGER)
    assert await dial.run(DIAL_MANAGER, ctx) == "manager_unavailable"
    assert outcome(ctx) is None
    assert events(ctx, "dial_result") == [{"status": status}]


async def test_no_number_goes_on_without_ringing(services: HotlineServices) -> None:
    channel = MemoryChannel()
    ctx = make_context(channel, services=services)
    assert await dial.run(DIAL_MANAGER, ctx) == "manager_unavailable"
    assert channel.commands == [] and ctx.journey == []


async def test_conversation_ending_the_call_is_a_hangup(services: HotlineServices) -> None:
    # Dial's default here: the manager answered, talked, and the call ended with Dial.
    channel = MemoryChannel()
    ctx = make_context(channel, services=services, manager_phone=MANAGER)
    with pytest.raises(ChannelHangup):
        await dial.run(DIAL_MANAGER, ctx)
    assert events(ctx, "dial") == [{"rings": 3, "timeout": 15}]
    assert channel.verbs()[-1] == "GET VARIABLE"


async def test_hang_up_during_the_prompt_rings_nobody(services: HotlineServices) -> None:
    channel = MemoryChannel(during=[hang_up_during(ZH["connecting_manager"])])
    ctx = make_context(channel, services=services, manager_phone=MANAGER)
    with pytest.raises(ChannelHangup):
        await dial.run(DIAL_MANAGER, ctx)
    assert "EXEC" not in channel.verbs() and events(ctx, "dial") == []
