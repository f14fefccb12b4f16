"""`set`: flow variables, or the language the rest of the call is spoken in."""

from __future__ import annotations

from ivr.flow.nodes import action, branch, say, set_vars
from ivr.flow.nodes.action import ActionNode
from ivr.flow.nodes.branch import BranchNode
from ivr.flow.nodes.say import SayNode
from ivr.flow.nodes.set_vars import SetNode
from ivr.pbxsim.memory_channel import MemoryChannel
from ivr.services.hotline_services import HotlineServices
from tests.conftest import CustomerFactory
from tests.flow.nodes.factory import (
    EN,
    TextSynthesizer,
    events,
    make_context,
    make_node,
    shipped_node,
)

ENGLISH = shipped_node("hotline", "english", SetNode)  # language en-US → greeting_english
GREETING_EN = shipped_node("hotline", "greeting_english", SayNode)
IDENTIFY = shipped_node("hotline", "identify", ActionNode)


async def test_language_switch_is_heard_in_the_next_prompt(services: HotlineServices) -> None:
    synth = TextSynthesizer()
    channel = MemoryChannel()
    ctx = make_context(channel, services=services, synth=synth)
    assert await set_vars.run(ENGLISH, ctx) == "greeting_english"
    assert events(ctx, "language") == [{"language": "en-US"}]
    await say.run(GREETING_EN, ctx)
    assert synth.rendered == [(EN["greeting_short"], "en-US")]
    assert channel.played == [f"/tts/en-US/{EN['greeting_short']}"]


async def test_chosen_language_outlives_the_customers_own(
    services: HotlineServices, add_customer: CustomerFactory
) -> None:
    await add_customer(language="zh-CN")
    ctx = make_context(MemoryChannel(), services=services)
    await set_vars.run(ENGLISH, ctx)
    await action.run(IDENTIFY, ctx)  # the caller pressed 9: not switched back to Mandarin
    assert ctx.language == "en-US"


async def test_same_language_is_not_recorded_again(services: HotlineServices) -> None:
    ctx = make_context(MemoryChannel(), services=services, language="en-US")
    assert await set_vars.run(ENGLISH, ctx) == "greeting_english"
    assert events(ctx, "language") == []


async def test_variables_set_steer_later_nodes(services: HotlineServices) -> None:
    node = make_node(SetNode, type="set", vars={"urgent": True},
                     next="create")
    check = make_node(BranchNode, type="branch", var="urgent", cases={"true": "fast"},
                      default="slow")
    channel = MemoryChannel()
    ctx = make_context(channel, services=services)
    assert await set_vars.run(node, ctx) == "create"
    assert await branch.run(check, ctx) == "fast"
    assert channel.commands == [] and ctx.journey == []
