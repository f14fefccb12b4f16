"""Outage notices to the customers told individually (已经公告的，还需通知专变用户和重要用户):
key customers and those on their own transformer (high-voltage classes) in the outage's areas
and on its transformers, key customers first. Written in the transaction that stores the
outage, when dispatch posts a planned or load-shedding outage or moves one (a new start or
restoration time is a new notice; the same times again add nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.db.enums import CampaignKind, CustomerClass, OutageKind, OutageStatus, TargetState
from ivr.db.models import Campaign, Customer, DialTarget
from ivr.services.campaign_rows import standing_campaign

NOTICE_KINDS = (OutageKind.PLANNED, OutageKind.LOAD_SHEDDING)
OWN_TRANSFORMER = (CustomerClass.HIGH_VOLTAGE_SINGLE, CustomerClass.HIGH_VOLTAGE_DUAL)
KEY_FIRST, OWN_TRANSFORMER_NEXT = 20, 10
# The notice periods of the service rules: 有序用电停限电提前二十四小时, 其他停电提前三十分钟,
# 提前或延迟需提前一小时通知 (an earlier or later start, a later restoration: 1 h ahead).
NOTICE_PERIOD = {OutageKind.LOAD_SHEDDING: timedelta(hours=24),
                 OutageKind.PLANNED: timedelta(minutes=30)}
CHANGE_PERIOD = timedelta(hours=1)
# Notices are dialled at once, at any hour: the period is set by when dispatch posts the
# outage, and a window closed at night would make a notice posted late in the evening miss it
# (they go only to key and own-transformer customers, who keep duty staff).
NOTICE_RULES = {
    "window": {"start": "00:00", "end": "23:59", "days": "every_day"},
    "pacing": {"channels": 10, "per_second": 2},
    "retries": {"max_attempts": 4,
                "delays": {"no_answer": 300, "busy": 120, "congestion": 60, "failed": 120,
                           "machine": 0, "lost": 120}},
    "machine_leaves_message": True,
}


@dataclass(frozen=True)
class NoticePlan:
    """What posting (or moving) an outage asked of the notice campaign, for dispatch."""

    added: int  # targets written now
    due: datetime  # the notice must reach each of them by then
    rule: str  # which notice period applies
    late: int  # of the targets added, those that cannot be called by `due`
    first_call: datetime | None  # when the first (a key customer) is dialled
    last_call: datetime | None  # when the last is dialled, at the campaign's pacing


def notice_due(kind: OutageKind, starts_at: datetime, restore_eta: datetime | None,
               before: tuple[datetime, datetime | None] | None) -> tuple[datetime, str]:
    """The moment the notice must have reached the customer, and the rule that sets it.
    `before`: the outage's times as last posted (None: a new outage)."""
    if before is None or before == (starts_at, restore_eta):
        period = NOTICE_PERIOD[kind]
        hours = period.total_seconds() / 3600
        what = "load shedding" if kind == OutageKind.LOAD_SHEDDING else "planned outage"
        return starts_at - period, f"{what}: {hours:g} h before the start"
    old_start, old_restore = before
    moments, changed = [], []
    if starts_at != old_start:  # earlier: before it begins; later: before it was to begin
        moments.append(min(starts_at, old_start))
        changed.append("start")
    if restore_eta != old_restore:  # later: before power was to come back
        moments.append(min(x for x in (restore_eta, old_restore) if x is not None))
        changed.append("restoration")
    return (min(moments) - CHANGE_PERIOD,
            f"changed {' and '.join(changed)}: 1 h before the time changed")


def _per_second(rules: dict[str, Any]) -> float:
    try:
        rate = float(rules.get("pacing", {}).get("per_second", 0))
    except (TypeError, ValueError, AttributeError):
        rate = 0.0
    return rate if rate > 0 else float(NOTICE_RULES["pacing"]["per_second"])  # type: ignore[index]


def notice_key(starts_at: datetime, restore_eta: datetime | None) -> str:
    return f"{starts_at.isoformat()}|{restore_eta.isoformat() if restore_eta else ''}"[:100]


async def add_outage_notices(
    session: AsyncSession, dialect: str, outage_id: str, kind: OutageKind,
    status: OutageStatus, starts_at: datetime, restore_eta: datetime | None,
    areas: tuple[str, ...], transformers: tuple[str, ...], now: datetime,
    before: tuple[datetime, datetime | None] | None = None,
) -> NoticePlan | None:
    """Targets for this version of the outage, each with the moment its notice is due and
    whether it can be met; pending notices of an older version are cancelled (the new one
    replaces them). Dialled at once, key customers first, at the campaign's pacing: a target
    whose turn comes after its due moment is flagged late (`notice_late`), not silently late.
    None when the outage needs no notice."""
    if kind not in NOTICE_KINDS or status == OutageStatus.RESTORED:
        return None
    key = notice_key(starts_at, restore_eta)
    due, rule = notice_due(kind, starts_at, restore_eta, before)
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
        return NoticePlan(0, due, rule, 0, None, None)
    campaign_id = await standing_campaign(session, dialect, CampaignKind.OUTAGE_NOTICE, now,
                                          rules=NOTICE_RULES)
    campaign = await session.get(Campaign, campaign_id)
    rate = _per_second(dict(campaign.rules or {}) if campaign else NOTICE_RULES)
    late = 0
    turn = now
    for position, customer in enumerate(fresh):
        turn = now + timedelta(seconds=position / rate)  # its place in the pacing
        is_late = turn > due
        late += is_late
        local_due = due.isoformat(timespec="minutes")
        session.add(DialTarget(
            campaign_id=campaign_id, number=customer.phone, language=customer.language.value,
            account=customer.account, outage_id=outage_id, notice_of=key,
            priority=KEY_FIRST if customer.key_customer else OWN_TRANSFORMER_NEXT,
            state=TargetState.PENDING, attempts=0, next_at=now, created_at=now,
            notice_due=due, notice_late=is_late,
            reason=(f"outage {outage_id} notice, due by {local_due} ({rule})"
                    + (": posted too late to meet it" if is_late else ""))[:200]))
    return NoticePlan(len(fresh), due, rule, late, now, turn)
