"""Outage notices to the customers told individually (已经公告的，还需通知专变用户和重要用户):
key customers and those on their own transformer (high-voltage classes) in the outage's areas
and on its transformers, key customers first. Written in the transaction that stores the
outage, when dispatch posts a planned or load-shedding outage or moves one (a new start or
restoration time is a new notice; the same times again add nothing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.db.enums import CampaignKind, CustomerClass, OutageKind, OutageStatus, TargetState
from ivr.db.models import Customer, DialTarget
from ivr.services.campaign_rows import standing_campaign

NOTICE_KINDS = (OutageKind.PLANNED, OutageKind.LOAD_SHEDDING)
OWN_TRANSFORMER = (CustomerClass.HIGH_VOLTAGE_SINGLE, CustomerClass.HIGH_VOLTAGE_DUAL)
KEY_FIRST, OWN_TRANSFORMER_NEXT = 20, 10
# Notices are due well inside the periods the rules set (24 h ahead for load shedding, 30 min
# for other outages, 1 h for a changed time): they are dialled at once, 07:00-22:00 every day.
NOTICE_RULES = {
    "window": {"start": "07:00", "end": "22:00", "days": "every_day"},
    "pacing": {"channels": 10, "per_second": 2},
    "retries": {"max_attempts": 4,
                "delays": {"no_answer": 300, "busy": 120, "congestion": 60, "failed": 120,
                           "machine": 0, "lost": 120}},
    "machine_leaves_message": True,
}


def notice_key(starts_at: datetime, restore_eta: datetime | None) -> str:
    return f"{starts_at.isoformat()}|{restore_eta.isoformat() if restore_eta else ''}"[:100]


async def add_outage_notices(
    session: AsyncSession, dialect: str, outage_id: str, kind: OutageKind,
    status: OutageStatus, starts_at: datetime, restore_eta: datetime | None,
    areas: tuple[str, ...], transformers: tuple[str, ...], now: datetime,
) -> int:
    """Targets for this version of the outage; pending notices of an older version are
    cancelled (the new one replaces them). Returns the targets added."""
    if kind not in NOTICE_KINDS or status == OutageStatus.RESTORED:
        return 0
    key = notice_key(starts_at, restore_eta)
    await session.execute(
        update(DialTarget)
        .where(DialTarget.outage_id == outage_id, DialTarget.state == TargetState.PENDING,
               DialTarget.notice_of != key)
        .values(state=TargetState.CANCELLED, ended_at=now,
                reason="replaced: the outage was moved")
        .execution_options(synchronize_session=False))
    noticed = set(await session.scalars(
        select(DialTarget.account).where(DialTarget.outage_id == outage_id,
                                         DialTarget.notice_of == key)))
    customers = list(await session.scalars(
        select(Customer).where(
            or_(Customer.area.in_(areas), Customer.transformer.in_(transformers)),
            or_(Customer.key_customer.is_(True), Customer.customer_class.in_(OWN_TRANSFORMER)))
        .order_by(Customer.key_customer.desc(), Customer.account)))
    fresh = [c for c in customers if c.account not in noticed]
    if not fresh:
        return 0
    campaign_id = await standing_campaign(session, dialect, CampaignKind.OUTAGE_NOTICE, now,
                                          rules=NOTICE_RULES)
    for customer in fresh:
        session.add(DialTarget(
            campaign_id=campaign_id, number=customer.phone, language=customer.language.value,
            account=customer.account, outage_id=outage_id, notice_of=key,
            priority=KEY_FIRST if customer.key_customer else OWN_TRANSFORMER_NEXT,
            state=TargetState.PENDING, reason=f"outage {outage_id} notice", attempts=0,
            next_at=now, created_at=now))
    return len(fresh)
