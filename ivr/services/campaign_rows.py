"""Campaign rows shared by the services that add targets: the standing campaigns (follow-up,
callbacks, outage notices) exist once each and are created on first use, inside the caller's
transaction, so a target is never written without its campaign."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.db.enums import CampaignKind, CampaignStatus
from ivr.db.models import Campaign

# name, flow: the standing campaigns run from the start; the survey team may pause them.
STANDING: dict[CampaignKind, tuple[str, str]] = {
    CampaignKind.FOLLOW_UP: ("follow-up", "survey"),
    CampaignKind.CALLBACK: ("callbacks", "callback_out"),
    CampaignKind.OUTAGE_NOTICE: ("outage-notices", "notice"),
}


async def standing_campaign(
    session: AsyncSession, dialect: str, kind: CampaignKind, now: datetime,
    rules: dict[str, Any] | None = None,
) -> int:
    """The id of the standing campaign of `kind`, created (running) if it does not exist yet.
    An upsert that does nothing on conflict, so two transactions creating it at once agree."""
    name, flow = STANDING[kind]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(Campaign)
        .values(name=name, kind=kind, status=CampaignStatus.RUNNING, flow=flow, caller_id="",
                rules=rules or {}, created_at=now, created_by="ivr")
        .on_conflict_do_nothing(index_elements=[Campaign.name])
    )
    return int((await session.scalars(select(Campaign.id).where(Campaign.name == name))).one())
