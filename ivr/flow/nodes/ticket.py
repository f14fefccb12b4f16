"""`ticket`: open a work order, committed before the flow goes on so it can be read back.

Voice messages the caller left earlier in the call (`record` nodes) are attached to it.
"""

from __future__ import annotations

import logging
import string
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from ivr.asterisk_names import PRIORITY_EMERGENCY, PRIORITY_NORMAL
from ivr.db.enums import TicketType
from ivr.flow.actions.outages import outage_report
from ivr.flow.context import CallContext
from ivr.flow.schema import NodeModel, placeholders
from ivr.services.outages import outage_to_link
from ivr.services.pending_tickets import TicketRequest
from ivr.services.tickets import TicketInfo

log = logging.getLogger(__name__)

# What a ticket node gives the prompts after it: the number to read back, the deadlines.
TICKET_VARS = frozenset({"ticket_number", "ticket_contact_due", "ticket_resolve_due",
                         "ticket_linked_outage"})


class TicketNode(NodeModel):
    type: Literal["ticket"]
    kind: TicketType
    description: str  # may name variables as {fault_type}
    priority: int = Field(default=PRIORITY_NORMAL, ge=PRIORITY_NORMAL, le=PRIORITY_EMERGENCY)
    link_outage: bool = False
    next: str
    # Where to go when the work order cannot be written (database down). Without it the call
    # takes the general fallback (apology, general queue); a danger report must not wait.
    on_error: str | None = None
    # A variable holding the number to call back (keyed in when the caller id is withheld);
    # when set, it is the work order's caller number.
    callback: str | None = None
    # The hotline calls the customer back (the callbacks campaign), in the call's language.
    dial_back: bool = False

    def targets(self) -> dict[str, str]:
        return {"next": self.next} | ({"on_error": self.on_error} if self.on_error else {})

    def sets(self, key: str) -> frozenset[str]:
        return TICKET_VARS if key == "next" else frozenset()

    def reads(self) -> dict[str, str]:
        reads = {f"description.{name}": name for name in placeholders(self.description)}
        return reads | ({"callback": self.callback} if self.callback else {})


class TicketDeferred(Exception):
    """The work order was not written in time; it is kept and written when the database can."""


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
                      ctx.channel.uniqueid, node.kind.value, node.on_error)
        ctx.record("error", error=type(exc).__name__, during="ticket")
        return node.on_error
    # Committed by now: the number may be read back to the caller.
    ctx.vars["ticket_number"] = ticket.number
    # Deadlines are spoken as local dates: a UTC date can be the day before.
    ctx.vars["ticket_contact_due"] = ticket.contact_due and ticket.contact_due.astimezone(ctx.tz)
    ctx.vars["ticket_resolve_due"] = ticket.resolve_due and ticket.resolve_due.astimezone(ctx.tz)
    ctx.vars["ticket_linked_outage"] = outage_id is not None
    ctx.record("ticket", number=ticket.number, kind=node.kind.value, outage_id=outage_id,
               priority=node.priority)
    await _attach_messages(ctx, ticket)
    # The journey up to the work order is stored before its number is read back: a crash
    # after the caller heard it keeps the call's record of it, not only the order itself.
    await ctx.store_journey()
    return node.next


async def _attach_messages(ctx: CallContext, ticket: TicketInfo) -> None:
    if ctx.messages is None:
        return
    for message in ctx.messages.take():
        try:
            kept = await ctx.services.voice_messages.attach(
                ticket.id, message.path, language=message.language, seconds=message.seconds,
                transcript=message.transcript, call_uniqueid=ctx.channel.uniqueid,
                recorded_at=message.recorded_at, dictation=message.dictation)
        except Exception as exc:
            # The work order stands; the file stays on disk for staff to find by call id.
            log.exception("call %s: voice message %s not attached to %s",
                          ctx.channel.uniqueid, message.path, ticket.number)
            ctx.record("error", error=type(exc).__name__, during="voice_message")
            continue
        ctx.record("voice_message_attached", ticket=ticket.number, id=kept.id)


async def _open(node: TicketNode, ctx: CallContext) -> tuple[TicketInfo, str | None]:
    customer = ctx.customer
    outage_id = None
    if node.link_outage and customer is not None:
        # A report on premises already covered by a known outage joins it, not a new dispatch.
        outage = outage_to_link(await outage_report(ctx, customer), customer)
        outage_id = outage.id if outage is not None else None
    description = string.Formatter().vformat(node.description, (), _Blank(ctx.vars))
    callback = str(ctx.vars.get(node.callback) or "") if node.callback else ""
    caller = callback or ctx.channel.caller_number  # the number the caller keyed, if asked
    dial_back_language = ctx.language if node.dial_back else None
    pending = ctx.services.pending_tickets
    if pending is None:
        ticket = await ctx.services.tickets.open(
            node.kind,
            account=ctx.account,
            caller=caller,
            description=description,
            call_uniqueid=ctx.channel.uniqueid,
            outage_id=outage_id,
            priority=node.priority,
            dial_back_language=dial_back_language,
        )
        return ticket, outage_id
    kept = await pending.open(TicketRequest(
        node.kind, account=ctx.account, caller=caller,
        description=description, call_uniqueid=ctx.channel.uniqueid, at=datetime.now(UTC),
        outage_id=outage_id, priority=node.priority, dial_back_language=dial_back_language))
    if kept is None:
        # No number to read back: the caller is told the system cannot do it now and is put
        # through to a person (on_error, or the engine's fallback); the order follows.
        ctx.record("ticket_deferred", kind=node.kind.value)
        raise TicketDeferred(f"work order ({node.kind.value}) kept to write later")
    return kept, outage_id
