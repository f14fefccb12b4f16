"""`ticket`: a work order committed before the flow goes on, so its number can be read back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ivr.db.session import Database
from ivr.flow.nodes import branch, say, ticket
from ivr.flow.nodes.branch import BranchNode
from ivr.flow.nodes.say import SayNode
from ivr.flow.nodes.ticket import TicketNode
from ivr.pbxsim.memory_channel import MemoryChannel
from ivr.services.hotline_services import HotlineServices
from ivr.services.tickets import Tickets
from ivr.speech.values import speak_value
from tests.conftest import CustomerFactory
from tests.flow.nodes.factory import events, identify, make_context, shipped_node
from tests.hotline import ACCOUNT, add_outage

CREATE = shipped_node("repair", "create", TicketNode)  # "{fault_type}", link_outage → linked
DANGER = shipped_node("danger", "create", TicketNode)  # priority 10, on_error to_emergency
COMPLAINT = shipped_node("complaint", "create", TicketNode)
CALLBACK = shipped_node("callback", "create", TicketNode)  # on_error busy
SAY_TICKET = shipped_node("repair", "say_ticket", SayNode)
SAY_COMPLAINT = shipped_node("complaint", "say_ticket", SayNode)
LINKED = shipped_node("repair", "linked", BranchNode)


@pytest.fixture
async def tickets_unreachable(db: Database) -> AsyncIterator[None]:
    """The work-order table out of reach: every insert fails, as with a database outage. It is
    put back afterwards: on PostgreSQL the tests of a session share one database."""
    async with db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE tickets RENAME TO tickets_unreachable"))
    yield
    async with db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE tickets_unreachable RENAME TO tickets"))


async def test_repair_report_is_linked_to_the_known_outage(
    services: HotlineServices, db: Database, add_customer: CustomerFactory
) -> None:
    await add_outage(db)  # F-1 in 城东, where the customer lives
    channel = MemoryChannel()
    ctx = make_context(channel, services=services, fault_type="no_power_home")
    identify(ctx, await add_customer())
    assert await ticket.run(CREATE, ctx) == "linked"
    [opened] = await Tickets(db).search(account=ACCOUNT)
    assert (opened.type, opened.description, opened.outage_id) == (
        "repair", "no_power_home", "F-1")
    assert opened.call_uniqueid == channel.uniqueid and opened.caller == channel.caller_number
    assert events(ctx, "ticket") == [
        {"number": opened.number, "kind": "repair", "outage_id": "F-1", "priority": 0}]
    assert await branch.run(LINKED, ctx) == "say_linked"
    assert channel.commands == []


async def test_number_is_read_back_digit_by_digit(
    services: HotlineServices, db: Database, add_customer: CustomerFactory
) -> None:
    ctx = make_context(MemoryChannel(), services=services, fault_type="no_power_area")
    identify(ctx, await add_customer())
    await ticket.run(CREATE, ctx)
    await say.run(SAY_TICKET, ctx)
    [opened] = await Tickets(db).search(account=ACCOUNT)
    assert opened.outage_id is None
    assert await branch.run(LINKED, ctx) == "say_ticket"
    spoken = str(events(ctx, "prompt")[0]["text"])
    assert opened.number not in spoken  # not as one number, but digit by digit
    assert "工单号是" in spoken


async def test_unknown_caller_gets_a_work_order_without_an_account(
    services: HotlineServices, db: Database
) -> None:
    ctx = make_context(MemoryChannel(caller=None), services=services)
    assert await ticket.run(DANGER, ctx) == "to_emergency"
    [opened] = await Tickets(db).search(type="repair")
    assert (opened.account, opened.caller, opened.priority) == (None, None, 10)


async def test_complaint_carries_its_contact_deadline(
    services: HotlineServices, db: Database, add_customer: CustomerFactory
) -> None:
    ctx = make_context(MemoryChannel(), services=services)
    identify(ctx, await add_customer())
    assert await ticket.run(COMPLAINT, ctx) == "say_ticket"
    [opened] = await Tickets(db).search(type="complaint")
    assert opened.contact_due is not None
    # Read out as a local date, which can be a day after the UTC date.
    await say.run(SAY_COMPLAINT, ctx)
    spoken = str(events(ctx, "prompt")[0]["text"])
    local = opened.contact_due.astimezone(ctx.tz).date()
    assert speak_value("date", local, "zh-CN") in spoken


async def test_description_names_flow_variables(
    services: HotlineServices, db: Database
) -> None:
    ctx = make_context(MemoryChannel(), services=services, unanswered_queue="repair")
    await ticket.run(CALLBACK, ctx)
    [opened] = await Tickets(db).search(type="enquiry")
    assert opened.description == "callback: no agent answered in queue repair"


@pytest.mark.usefixtures("tickets_unreachable")
async def test_database_failure_takes_on_error(services: HotlineServices) -> None:
    ctx = make_context(MemoryChannel(), services=services)
    # A danger report goes on to the emergency queue without its work order.
    assert await ticket.run(DANGER, ctx) == "to_emergency"
    [error] = events(ctx, "error")
    assert error["during"] == "ticket"
    assert events(ctx, "ticket") == [] and "ticket_number" not in ctx.vars


@pytest.mark.usefixtures("tickets_unreachable")
async def test_database_failure_without_on_error_is_raised_for_the_fallback(
    services: HotlineServices,
) -> None:
    ctx = make_context(MemoryChannel(), services=services, fault_type="no_power_home")
    with pytest.raises(DBAPIError):
        await ticket.run(CREATE, ctx)
    assert events(ctx, "ticket") == []
