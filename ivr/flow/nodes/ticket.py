from __future__ import annotations

import logging
import string
from typing import Any

from ivr.flow.context import CallContext
from ivr.flow.schema import TicketNode
from ivr.services.customers import CustomerInfo
from ivr.services.tickets import TicketInfo

log = logging.getLogger(__name__)


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


async def run(node: TicketNode, ctx: CallContext) -> str | None:
    try:
        ticket, outage_id = await _open(node, ctx)
    except Exception as exc:
        if node.on_error is None:
            raise  # the engine's fallback: apology, then a person
        log.exception("call %s: work order (%s) not written; going on at %s",
                      ctx.channel.uniqueid, node.kind, node.on_error)
        ctx.record("error", error=type(exc).__name__, during="ticket")
        return node.on_error
    # Committed by now: the number may be read back to the caller.
    ctx.vars["ticket_number"] = ticket.number
    # Deadlines are spoken as local dates: a UTC date can be the day before.
    ctx.vars["ticket_contact_due"] = ticket.contact_due and ticket.contact_due.astimezone(ctx.tz)
    ctx.vars["ticket_resolve_due"] = ticket.resolve_due and ticket.resolve_due.astimezone(ctx.tz)
    ctx.vars["ticket_linked_outage"] = outage_id is not None
    ctx.record(
        "ticket", number=ticket.number, kind=node.kind, outage_id=outage_id, priority=node.priority
    )
    return node.next


async def _open(node: TicketNode, ctx: CallContext) -> tuple[TicketInfo, str | None]:
    customer = ctx.vars.get("customer")
    outage_id = None
    if node.link_outage and isinstance(customer, CustomerInfo):
        # A report on premises already covered by a known outage joins it, not a new dispatch.
        outage = await ctx.services.outages.find_active_for(customer)
        outage_id = outage.id if outage is not None else None
    description = string.Formatter().vformat(node.description, (), _Blank(ctx.vars))
    ticket = await ctx.services.tickets.open(
        node.kind,
        account=ctx.account,
        caller=ctx.channel.caller_number,
        description=description,
        call_uniqueid=ctx.channel.uniqueid,
        outage_id=outage_id,
        priority=node.priority,
    )
    return ticket, outage_id
