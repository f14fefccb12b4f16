"""The 100% follow-up (100%跟踪回访): every closed repair, complaint and report gets a follow-up
target, written in the transaction that closes the order, keyed by that closure's history entry
so one closure is followed up exactly once (a reopen and a second close is a second closure)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.db.enums import CampaignKind, Language, TargetState, TicketEventKind, TicketType
from ivr.db.models import Customer, DialTarget, Ticket, TicketEvent
from ivr.services.campaign_rows import standing_campaign
from ivr.services.phones import normalize_phone

FOLLOW_UP_TYPES = (TicketType.REPAIR, TicketType.COMPLAINT, TicketType.REPORT)


async def add_follow_up(
    session: AsyncSession, dialect: str, ticket: Ticket, now: datetime
) -> DialTarget | None:
    """The follow-up target of the closure just written for `ticket` (None: no follow-up for
    this type). With no number to call it ends at once as unreachable, with that reason, so
    coverage shows it rather than leaving it pending."""
    if ticket.type not in FOLLOW_UP_TYPES:
        return None
    await session.flush()  # the closing history entry gets its id
    close_event = (await session.scalars(
        select(func.max(TicketEvent.id)).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == TicketEventKind.CLOSED)
    )).one()
    customer = await session.get(Customer, ticket.account) if ticket.account else None
    number = normalize_phone(ticket.caller, "CN") or (customer.phone if customer else None)
    language = customer.language.value if customer else Language.ZH_CN.value
    campaign_id = await standing_campaign(session, dialect, CampaignKind.FOLLOW_UP, now)
    target = DialTarget(
        campaign_id=campaign_id, number=number or "", language=language,
        account=ticket.account, ticket_id=ticket.id, ticket_type=ticket.type,
        close_event_id=close_event, priority=0, attempts=0, next_at=now, created_at=now,
        state=TargetState.PENDING if number else TargetState.UNREACHABLE,
        reason="closed, to be called" if number else "no number to call on the work order",
        ended_at=None if number else now,
    )
    session.add(target)
    return target
