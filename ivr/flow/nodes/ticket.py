from __future__ import annotations

import string
from typing import Any

from ivr.flow.context import CallContext
from ivr.flow.schema import TicketNode
from ivr.services.customers import CustomerInfo


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


async def run(node: TicketNode, ctx: CallContext) -> str | None:
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
    # Committed by now: the number may be read back to the caller.
    ctx.vars["ticket_number"] = ticket.number
    ctx.vars["ticket_contact_due"] = ticket.contact_due
    ctx.vars["ticket_resolve_due"] = ticket.resolve_due
    ctx.vars["ticket_linked_outage"] = outage_id is not None
    ctx.record(
        "ticket", number=ticket.number, kind=node.kind, outage_id=outage_id, priority=node.priority
    )
    return node.next
