"""The 100% follow-up (100%跟踪回访): every closed repair, complaint and report gets a follow-up
target, written in the transaction that closes the order, keyed by that closure's history entry
so one closure is followed up exactly once (a reopen and a second close is a second closure)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.db.enums import CampaignKind, Language, TargetState, TicketEventKind, TicketType
from ivr.db.models import Campaign, Customer, DialTarget, Ticket, TicketEvent
from ivr.services.campaign_rows import standing_campaign
from ivr.services.phones import normalize_phone

FOLLOW_UP_TYPES = (TicketType.REPAIR, TicketType.COMPLAINT, TicketType.REPORT)
# Callbacks: every day, in daytime hours; three tries spread over the day.
CALLBACK_RULES = {
    "window": {"start": "08:00", "end": "21:00", "days": "every_day"},
    "pacing": {"channels": 5, "per_second": 1},
    "retries": {"max_attempts": 3, "delays": {"no_answer": 1800, "busy": 600, "machine": 1800}},
}


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


async def add_callback(
    session: AsyncSession, dialect: str, ticket: Ticket, language: str, now: datetime
) -> DialTarget | None:
    """The callback the IVR promised, in the caller's language. One per number while one is
    waiting: a caller who tried three times is called back once (the later orders are noted
    on the target's reason). None when there is no number to call (withheld, never keyed)."""
    number = normalize_phone(ticket.caller, "CN")
    if number is None:
        return None
    campaign_id = await standing_campaign(session, dialect, CampaignKind.CALLBACK, now,
                                          rules=CALLBACK_RULES)
    waiting = (await session.scalars(
        select(DialTarget).join(Campaign, Campaign.id == DialTarget.campaign_id).where(
            Campaign.kind == CampaignKind.CALLBACK, DialTarget.number == number,
            DialTarget.state.in_((TargetState.PENDING, TargetState.DIALLING))))).first()
    if waiting is not None:
        waiting.reason = f"{waiting.reason}; also {ticket.number}"[:200]
        return None
    target = DialTarget(
        campaign_id=campaign_id, number=number, language=language, account=ticket.account,
        ticket_id=ticket.id, ticket_type=ticket.type, priority=0, attempts=0, next_at=now,
        created_at=now, state=TargetState.PENDING, reason=f"callback for {ticket.number}")
    session.add(target)
    return target
