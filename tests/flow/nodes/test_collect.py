"""`collect`: digits keyed into a variable, checked by an action; retries, then `on_fail`."""

from __future__ import annotations

import pytest

from ivr.channel import ChannelHangup
from ivr.flow.nodes import collect
from ivr.flow.nodes.collect import CollectNode
from ivr.pbxsim.memory_channel import MemoryChannel, hang_up_during, press
from ivr.services.hotline_services import HotlineServices
from tests.conftest import CustomerFactory
from tests.flow.nodes.factory import (
    ZH,
    events,
    identified_account,
    is_verified,
    make_context,
    make_node,
    prompts_heard,
    shipped_node,
)

# min and max 10 digits, validated by lookup_account; invalid_prompt account_not_found;
# next fault_type, on_fail to_repair_queue, 3 tries, 8 s.
ASK_ACCOUNT = shipped_node("repair", "ask_account", CollectNode)
ACCOUNT = "5100012345"


async def test_account_keyed_in_identifies_the_premises(
    services: HotlineServices, add_customer: CustomerFactory
) -> None:
    await add_customer(account=ACCOUNT)
    channel = MemoryChannel([ACCOUNT])
    ctx = make_context(channel, services=services)
    assert await collect.run(ASK_ACCOUNT, ctx) == "fault_type"
    assert channel.verbs() == ["GET DATA"]
    assert channel.commands[0].args[1:] == ("8000", "10")
    assert identified_account(ctx) == ACCOUNT
    assert not is_verified(ctx)  # a typed-in account number proves nothing
    assert events(ctx, "digits") == [{"into": "account_input", "length": 10}]
    assert events(ctx, "lookup") == [{"what": "account", "found": True}]


async def test_entry_ended_by_hash_too_short_then_right(services: HotlineServices) -> None:
    node = make_node(CollectNode, type="collect", prompt="enter_account", into="last4",
                     min_digits=4, max_digits=4, next="check", on_fail="out")
    # Two digits then # are too few: asked again, and the next entry is taken.
    channel = MemoryChannel(["12#", "8000#"])
    ctx = make_context(channel, services=services)
    assert await collect.run(node, ctx) == "check"
    assert prompts_heard(ctx) == ["enter_account", "invalid_entry", "enter_account"]
    assert events(ctx, "collect_retry") == [{"into": "last4", "attempt": 1, "reason": "invalid"}]


async def test_unknown_account_is_said_and_asked_again(
    services: HotlineServices, add_customer: CustomerFactory
) -> None:
    await add_customer(account=ACCOUNT)
    ctx = make_context(MemoryChannel(["5100099999", ACCOUNT]), services=services)
    assert await collect.run(ASK_ACCOUNT, ctx) == "fault_type"
    assert prompts_heard(ctx) == ["enter_account", "account_not_found", "enter_account"]
    assert events(ctx, "lookup") == [
        {"what": "account", "found": False}, {"what": "account", "found": True}]
    assert identified_account(ctx) == ACCOUNT


async def test_too_few_digits_are_refused_without_a_lookup(
    services: HotlineServices, add_customer: CustomerFactory
) -> None:
    await add_customer(account=ACCOUNT)
    ctx = make_context(MemoryChannel(["123#", ACCOUNT]), services=services)
    assert await collect.run(ASK_ACCOUNT, ctx) == "fault_type"
    assert events(ctx, "lookup") == [{"what": "account", "found": True}]
    assert events(ctx, "collect_retry")[0]["reason"] == "invalid"


async def test_silence_is_said_and_asked_again(
    services: HotlineServices, add_customer: CustomerFactory
) -> None:
    await add_customer(account=ACCOUNT)
    ctx = make_context(MemoryChannel(["", ACCOUNT]), services=services)
    assert await collect.run(ASK_ACCOUNT, ctx) == "fault_type"
    assert prompts_heard(ctx) == ["enter_account", "no_input", "enter_account"]
    assert events(ctx, "collect_retry") == [
        {"into": "account_input", "attempt": 1, "reason": "no_input"}]
    assert len(events(ctx, "digits")) == 1  # silence keys nothing


async def test_tries_exhausted_go_to_on_fail(services: HotlineServices) -> None:
    channel = MemoryChannel(["5100099999", "", "5100088888"])
    ctx = make_context(channel, services=services)
    assert await collect.run(ASK_ACCOUNT, ctx) == "to_repair_queue"
    assert prompts_heard(ctx) == ["enter_account", "account_not_found", "enter_account",
                                  "no_input", "enter_account"]
    assert events(ctx, "collect_failed") == [{"into": "account_input", "tries": 3}]
    assert identified_account(ctx) is None


async def test_keyed_digits_never_reach_the_journey(
    services: HotlineServices, add_customer: CustomerFactory
) -> None:
    await add_customer(account=ACCOUNT)
    ctx = make_context(MemoryChannel(["5100099999", ACCOUNT]), services=services)
    await collect.run(ASK_ACCOUNT, ctx)
    recorded = repr([e.data for e in ctx.journey])
    assert ACCOUNT not in recorded and "5100099999" not in recorded


async def test_keys_typed_while_the_prompt_plays_are_the_entry(
    services: HotlineServices, add_customer: CustomerFactory
) -> None:
    await add_customer(account=ACCOUNT)
    channel = MemoryChannel(during=[press(ACCOUNT, during=ZH["enter_account"])])
    ctx = make_context(channel, services=services)
    assert await collect.run(ASK_ACCOUNT, ctx) == "fault_type"
    assert channel.keys_pressed == [ACCOUNT]


async def test_hang_up_at_the_question(services: HotlineServices) -> None:
    channel = MemoryChannel(["", "h"])
    ctx = make_context(channel, services=services)
    with pytest.raises(ChannelHangup):
        await collect.run(ASK_ACCOUNT, ctx)
    assert events(ctx, "collect_retry") == [
        {"into": "account_input", "attempt": 1, "reason": "no_input"}]
    assert events(ctx, "collect_failed") == []
    assert channel.hung_up


async def test_hang_up_during_the_retry_prompt(services: HotlineServices) -> None:
    channel = MemoryChannel(["5100099999"], during=[hang_up_during(ZH["account_not_found"])])
    ctx = make_context(channel, services=services)
    with pytest.raises(ChannelHangup):
        await collect.run(ASK_ACCOUNT, ctx)
    assert prompts_heard(ctx) == ["enter_account", "account_not_found"]
