"""`transfer`: the caller handed to an agent queue by Asterisk's Queue, with what the agent's
screen needs set on the channel first; back to the flow when nobody answered."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from ivr.channel import AgiError, ChannelHangup
from ivr.flow.context import CallContext
from ivr.flow.journal import Journal
from ivr.flow.nodes import transfer
from ivr.flow.nodes.transfer import TransferNode
from ivr.pbxsim import ExecBehaviour
from ivr.pbxsim.memory_channel import (
    Command,
    MemoryChannel,
    hang_up_during,
    queue_returns,
)
from ivr.services.hotline_services import HotlineServices
from tests.conftest import CustomerFactory
from tests.flow.nodes.factory import (
    ZH,
    events,
    identify,
    make_context,
    make_node,
    outcome,
    shipped_node,
)


async def journal_for(ctx: CallContext, services: HotlineServices) -> Journal:
    """The call's record and its journal, as the engine starts them at answer."""
    uniqueid = ctx.channel.uniqueid
    await services.calls.start(uniqueid, ctx.channel.caller_number, ctx.language, "repair",
                               "test", datetime.now(UTC))
    started: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    started.set_result(True)
    journal = Journal(services.calls, uniqueid, ctx.journey, started)
    ctx.on_record, ctx.flush_journey = journal.recorded, journal.flush
    return journal


TO_REPAIR = shipped_node("repair", "to_repair_queue", TransferNode)  # on_unanswered to_callback
TO_EMERGENCY = shipped_node("danger", "to_emergency", TransferNode)  # priority 10
TO_PERSON = shipped_node("person", "to_queue", TransferNode)  # queue "{person_queue}"


async def test_agent_takes_the_call(
    services: HotlineServices, add_customer: CustomerFactory
) -> None:
    channel = MemoryChannel()  # Queue reaches an agent; the call ends with the conversation
    ctx = make_context(channel, services=services, ticket_number="R20261202-0001")
    identify(ctx, await add_customer())
    await journal_for(ctx, services)
    with pytest.raises(ChannelHangup):
        await transfer.run(TO_REPAIR, ctx)
    assert (outcome(ctx), ctx.queue) == ("transferred", "repair")
    assert channel.variables.items() >= {
        "QUEUE_PRIO": "0", "IVR_LANGUAGE": "zh-CN", "IVR_ACCOUNT": "5100012345",
        "IVR_TICKET": "R20261202-0001", "IVR_VERIFIED": "yes"}.items()
    assert Command("EXEC", ("Queue", "repair")) in channel.commands
    assert channel.verbs()[-1] == "GET VARIABLE"  # the caller was gone by then
    assert events(ctx, "transfer") == [{"queue": "repair", "priority": 0, "verified": True}]
    # written before Queue rang anyone: the agent's screen pop shows what the caller did
    so_far = await services.calls.get(channel.uniqueid)
    assert so_far is not None and so_far.outcome is None and so_far.account == "5100012345"
    assert [e.kind for e in so_far.events][-1] == "transfer"
    assert events(ctx, "queue_result") == []
    assert [e["name"] for e in events(ctx, "prompt")] == ["transfer_agent"]


async def test_nobody_answers_goes_on_at_on_unanswered(services: HotlineServices) -> None:
    channel = MemoryChannel(applications={"Queue": queue_returns("TIMEOUT")})
    ctx = make_context(channel, services=services)
    assert await transfer.run(TO_REPAIR, ctx) == "to_callback"
    assert outcome(ctx) is None  # not a transfer
    assert ctx.vars["unanswered_queue"] == "repair"  # the callback order names it
    assert events(ctx, "queue_result") == [{"queue": "repair", "status": "TIMEOUT"}]
    assert channel.variables["IVR_VERIFIED"] == "no"  # nobody identified


async def test_nobody_answers_without_on_unanswered_ends_the_flow(
    services: HotlineServices,
) -> None:
    node = make_node(TransferNode, type="transfer", queue="general")
    channel = MemoryChannel(applications={"queue": queue_returns("JOINEMPTY")})
    ctx = make_context(channel, services=services)
    assert await transfer.run(node, ctx) is None
    assert (outcome(ctx), ctx.queue) == ("transferred", "general")
    assert Command("EXEC", ("Queue", "general-enquiry")) in channel.commands


async def test_queue_from_a_variable_and_priority_from_the_caller(
    services: HotlineServices,
) -> None:
    channel = MemoryChannel(applications={"queue": queue_returns("TIMEOUT")})
    ctx = make_context(channel, services=services, person_queue="billing")
    ctx.queue_priority = 5  # a key customer's, set by choose_person
    await transfer.run(TO_PERSON, ctx)
    assert events(ctx, "transfer") == [{"queue": "billing", "priority": 5, "verified": False}]
    assert channel.variables["QUEUE_PRIO"] == "5"


async def test_unknown_queue_in_a_variable_falls_back_to_general(
    services: HotlineServices,
) -> None:
    channel = MemoryChannel(applications={"queue": queue_returns("TIMEOUT")})
    ctx = make_context(channel, services=services, person_queue="nonsense")
    await transfer.run(TO_PERSON, ctx)
    assert events(ctx, "transfer") == [{"queue": "general", "priority": 0, "verified": False}]


async def test_node_priority_wins_when_higher(services: HotlineServices) -> None:
    channel = MemoryChannel(applications={"queue": queue_returns("TIMEOUT")})
    ctx = make_context(channel, services=services)
    ctx.queue_priority = 5
    await transfer.run(TO_EMERGENCY, ctx)
    assert channel.variables["QUEUE_PRIO"] == "10"


async def test_unverified_caller_is_flagged_for_the_agent(
    services: HotlineServices, add_customer: CustomerFactory
) -> None:
    channel = MemoryChannel(applications={"queue": queue_returns("TIMEOUT")})
    ctx = make_context(channel, services=services)
    identify(ctx, await add_customer(), verified=False)
    await transfer.run(TO_REPAIR, ctx)
    assert (channel.variables["IVR_ACCOUNT"], channel.variables["IVR_VERIFIED"]) == (
        "5100012345", "no")


async def test_hang_up_during_the_prompt_reaches_no_queue(services: HotlineServices) -> None:
    channel = MemoryChannel(during=[hang_up_during(ZH["transfer_agent"])])
    ctx = make_context(channel, services=services)
    with pytest.raises(ChannelHangup):
        await transfer.run(TO_REPAIR, ctx)
    assert "EXEC" not in channel.verbs() and outcome(ctx) is None


async def test_queue_missing_from_asterisk_is_an_error(services: HotlineServices) -> None:
    channel = MemoryChannel(applications={"queue": ExecBehaviour(-2)})
    ctx = make_context(channel, services=services)
    with pytest.raises(AgiError):
        await transfer.run(TO_REPAIR, ctx)
