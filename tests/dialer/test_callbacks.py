"""The callbacks the IVR promises: written with the work order, in the caller's language, one
per number while one is waiting, dialled oldest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ivr.db.enums import TargetState
from ivr.db.models import DialTarget
from ivr.db.session import Database
from ivr.services.campaigns import Campaigns
from ivr.services.tickets import Tickets

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


async def test_callbacks_are_deduplicated_per_number(db: Database) -> None:
    tickets = Tickets(db)
    first = await tickets.open("enquiry", account=None, caller="+8613900000001",
                               description="callback: no agent", call_uniqueid=None, now=NOW,
                               dial_back_language="en-US")
    again = await tickets.open("enquiry", account=None, caller="13900000001",
                               description="callback: no agent", call_uniqueid=None,
                               now=NOW + timedelta(minutes=5), dial_back_language="en-US")
    other = await tickets.open("enquiry", account=None, caller="+8613900000002",
                               description="callback: no agent", call_uniqueid=None,
                               now=NOW + timedelta(minutes=6), dial_back_language="zh-CN")
    await tickets.open("enquiry", account=None, caller="anonymous", description="x",
                       call_uniqueid=None, now=NOW, dial_back_language="zh-CN")
    async with db.sessionmaker() as session:
        targets = list(await session.scalars(select(DialTarget).order_by(DialTarget.id)))
    assert [(t.number, t.language, t.ticket_id) for t in targets] == [
        ("+8613900000001", "en-US", first.id), ("+8613900000002", "zh-CN", other.id)]
    assert again.number in targets[0].reason
    assert all(t.state == TargetState.PENDING for t in targets)
    (campaign,) = await Campaigns(db).list()
    assert campaign.kind == "callback" and campaign.status == "running"
