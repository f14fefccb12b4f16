"""`action`: a named business action on real services; its outcome picks the next node."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.db.session import Database
from ivr.flow.actions.billing import NotVerified
from ivr.flow.nodes import action
from ivr.flow.nodes.action import ActionNode
from ivr.pbxsim.memory_channel import Command, MemoryChannel
from ivr.services.hotline_services import HotlineServices
from tests.conftest import CustomerFactory
from tests.flow.nodes.factory import (
    events,
    flows_from_yaml,
    identified_account,
    identify,
    is_verified,
    make_context,
    make_node,
    make_runner,
    outcome,
    prompts_heard,
    shipped_node,
)
from tests.hotline import add_bills, add_outage

IDENTIFY = shipped_node("hotline", "identify", ActionNode)  # found/not_found → greeting
OUTAGES = shipped_node("hotline", "outage_check", ActionNode)
VERIFIED = shipped_node("repair", "verified", ActionNode)
ROUTE = shipped_node("person", "route", ActionNode)
BILL = make_node(ActionNode, type="action", action="bill_summary",
                 outcomes={"ok": "say", "no_payment": "say_unpaid", "no_bills": "none"})


async def test_caller_id_of_a_customer_identifies_and_verifies(
    services: HotlineServices, add_customer: CustomerFactory
) -> None:
    await add_customer(language="en-US")
    channel = MemoryChannel(caller="+8613800138000")
    ctx = make_context(channel, services=services)
    assert await action.run(IDENTIFY, ctx) == "greeting"
    assert identified_account(ctx) == "5100012345" and is_verified(ctx)
    assert ctx.account == "5100012345"
    assert ctx.language == "en-US"  # greeted in the customer's language
    assert events(ctx, "lookup") == [{"what": "caller_id", "found": True}]
    assert channel.commands == []  # the caller id comes with the call


async def test_withheld_caller_id_is_not_identified(services: HotlineServices) -> None:
    ctx = make_context(MemoryChannel(caller=None), services=services)
    assert await action.run(IDENTIFY, ctx) == "greeting"
    assert identified_account(ctx) is None and ctx.account is None
    assert events(ctx, "lookup") == [{"what": "caller_id", "found": False}]


async def test_active_outage_at_the_premises_is_found(
    services: HotlineServices, db: Database, add_customer: CustomerFactory
) -> None:
    identify(ctx := make_context(MemoryChannel(), services=services), await add_customer())
    await add_outage(db)  # F-1, active, in 城东
    assert await action.run(OUTAGES, ctx) == "outage_announce"
    assert events(ctx, "lookup") == [{"what": "outages", "active": ["F-1"], "planned": []}]


async def test_no_outage_goes_to_the_menu(
    services: HotlineServices, db: Database, add_customer: CustomerFactory
) -> None:
    identify(ctx := make_context(MemoryChannel(), services=services), await add_customer())
    await add_outage(db, areas=["城西"])
    assert await action.run(OUTAGES, ctx) == "main_menu"


async def test_outage_lookup_without_premises_fails_loudly(services: HotlineServices) -> None:
    # A flow that asks before identifying is a flow bug: the engine's fallback takes over.
    ctx = make_context(MemoryChannel(), services=services)
    with pytest.raises(LookupError):
        await action.run(OUTAGES, ctx)


@pytest.mark.parametrize(("verified", "target"),
                         [(True, "confirm_address"), (False, "known")])
async def test_verification_decides_whether_the_address_is_read(
    services: HotlineServices, add_customer: CustomerFactory, verified: bool, target: str
) -> None:
    ctx = make_context(MemoryChannel(), services=services)
    identify(ctx, await add_customer(), verified=verified)
    assert await action.run(VERIFIED, ctx) == target


async def test_bill_is_read_to_a_verified_caller(
    services: HotlineServices, db: Database, add_customer: CustomerFactory
) -> None:
    identify(ctx := make_context(MemoryChannel(), services=services), await add_customer())
    await add_bills(db)
    assert await action.run(BILL, ctx) == "say"
    assert events(ctx, "lookup") == [{"what": "bill", "found": True}]


async def test_bill_is_never_looked_up_for_an_unverified_caller(
    services: HotlineServices, db: Database, add_customer: CustomerFactory
) -> None:
    ctx = make_context(MemoryChannel(), services=services)
    identify(ctx, await add_customer(), verified=False)
    await add_bills(db)
    with pytest.raises(NotVerified):
        await action.run(BILL, ctx)
    assert events(ctx, "lookup") == []


async def test_verified_key_customer_is_offered_the_manager(
    services: HotlineServices, add_customer: CustomerFactory
) -> None:
    customer = await add_customer(key_customer=True, manager_phone="+8613911112222")
    identify(ctx := make_context(MemoryChannel(), services=services), customer)
    assert await action.run(ROUTE, ctx) == "offer_manager"
    assert events(ctx, "route") == [{"choice": "customer_manager_offered"}]


async def test_unverified_key_customer_goes_to_the_queue(
    services: HotlineServices, add_customer: CustomerFactory
) -> None:
    customer = await add_customer(key_customer=True, manager_phone="+8613911112222")
    ctx = make_context(MemoryChannel(), services=services)
    identify(ctx, customer, verified=False)
    assert await action.run(ROUTE, ctx) == "to_queue"
    assert events(ctx, "route") == []


BROKEN = """
flow: broken
start: look
nodes:
  look: {type: action, action: find_outages, outcomes: {active: bye, planned: bye, none: bye}}
  bye: {type: hangup, prompt: goodbye}
"""


async def test_failing_action_mid_call_puts_the_caller_through_to_a_person(
    services: HotlineServices, tmp_path: Path
) -> None:
    channel = MemoryChannel(caller=None)  # not identified: find_outages cannot run
    runner = make_runner(services, flows_from_yaml(tmp_path, broken=BROKEN))
    ctx = await runner.handle(channel, "broken")
    assert [e["error"] for e in events(ctx, "error")] == ["LookupError"]
    assert prompts_heard(ctx) == ["system_error"]  # an apology, never silence
    assert Command("EXEC", ("Queue", "general-enquiry")) in channel.commands
    assert (outcome(ctx), ctx.queue) == ("error", "general")
