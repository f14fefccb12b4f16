"""Posting a planned outage (or moving one) writes notices for the key and own-transformer
customers it covers, key customers first; the same times again add nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ivr.db.enums import TargetState
from ivr.db.models import DialTarget
from ivr.db.session import Database
from ivr.services.outages import OutageInput, Outages
from tests.conftest import CustomerFactory

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


async def _targets(db: Database) -> list[DialTarget]:
    async with db.sessionmaker() as session:
        return list(await session.scalars(
            select(DialTarget).order_by(DialTarget.priority.desc(), DialTarget.id)))


async def test_planned_outage_notifies_key_and_own_transformer_customers(
    db: Database, add_customer: CustomerFactory,
) -> None:
    await add_customer(account="5100000001", phone="+8613900000001")  # residential: not called
    await add_customer(account="5100000002", phone="+8613900000002",
                       customer_class="high_voltage_single")
    await add_customer(account="5100000003", phone="+8613900000003", key_customer=True)
    await add_customer(account="5100000004", phone="+8613900000004", key_customer=True,
                       area="城西", transformer="城西-2号变")  # elsewhere: not called
    outages = Outages(db)
    planned = OutageInput("P1", "planned", NOW + timedelta(days=2),
                          NOW + timedelta(days=2, hours=6), "scheduled", areas=("城东",))
    await outages.upsert(planned, NOW)
    key, own = await _targets(db)
    assert (key.account, own.account) == ("5100000003", "5100000002")  # key customers first
    assert key.priority > own.priority and key.state == TargetState.PENDING
    await outages.upsert(planned, NOW + timedelta(minutes=5))  # a repeat: nothing new
    assert len(await _targets(db)) == 2
    moved = OutageInput("P1", "planned", NOW + timedelta(days=3),
                        NOW + timedelta(days=3, hours=6), "scheduled", areas=("城东",))
    await outages.upsert(moved, NOW + timedelta(minutes=10))
    targets = await _targets(db)
    assert len(targets) == 4
    assert sorted(t.state for t in targets).count(TargetState.CANCELLED) == 2  # replaced
    fault = OutageInput("F1", "fault", NOW, None, "active", areas=("城东",))
    await outages.upsert(fault, NOW)
    assert len(await _targets(db)) == 4  # fault outages are not noticed ahead
