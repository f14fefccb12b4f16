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


async def _customers(add_customer: CustomerFactory, count: int) -> None:
    for n in range(1, count + 1):
        await add_customer(account=f"51000000{n:02d}", phone=f"+86139000000{n:02d}",
                           key_customer=n <= 2, customer_class="high_voltage_single")


async def test_load_shedding_is_due_24_hours_ahead(
    db: Database, add_customer: CustomerFactory,
) -> None:
    await _customers(add_customer, 2)
    start = NOW + timedelta(hours=30)
    info = await Outages(db).upsert(OutageInput(
        "L1", "load_shedding", start, start + timedelta(hours=4), "scheduled",
        areas=("城东",)), NOW)
    assert info.notice is not None
    assert info.notice.due == start - timedelta(hours=24) and info.notice.late == 0
    assert info.notice.added == 2 and "24 h before the start" in info.notice.rule
    for target in await _targets(db):
        assert target.notice_due == start - timedelta(hours=24)
        assert target.notice_late is False and target.next_at == NOW  # dialled at once


async def test_load_shedding_posted_too_late_is_flagged(
    db: Database, add_customer: CustomerFactory,
) -> None:
    await _customers(add_customer, 2)
    start = NOW + timedelta(hours=10)  # 14 h short of the 24 h notice
    info = await Outages(db).upsert(OutageInput(
        "L2", "load_shedding", start, None, "scheduled", areas=("城东",)), NOW)
    assert info.notice is not None and info.notice.late == 2
    for target in await _targets(db):
        assert target.notice_late is True
        assert "posted too late" in target.reason
        assert target.state == TargetState.PENDING  # still told, as early as possible


async def test_the_pacing_decides_which_planned_notices_are_in_time(
    db: Database, add_customer: CustomerFactory,
) -> None:
    # Five customers at the notice campaign's 2 calls a second: dialled at +0, +0.5, +1.0,
    # +1.5, +2.0 s; with 1.2 s to spare before the 30 minutes, the first three are in time.
    await _customers(add_customer, 5)
    start = NOW + timedelta(minutes=30, seconds=1.2)
    info = await Outages(db).upsert(OutageInput(
        "P2", "planned", start, start + timedelta(hours=2), "scheduled", areas=("城东",)), NOW)
    assert info.notice is not None
    assert (info.notice.added, info.notice.late) == (5, 2)
    assert info.notice.due == start - timedelta(minutes=30)
    targets = await _targets(db)
    assert [t.notice_late for t in targets] == [False, False, False, True, True]
    assert [t.priority for t in targets][:2] == [20, 20]  # key customers get the early turns


async def test_a_moved_outage_is_due_an_hour_before_the_time_that_changed(
    db: Database, add_customer: CustomerFactory,
) -> None:
    await _customers(add_customer, 1)
    outages = Outages(db)
    start, end = NOW + timedelta(days=2), NOW + timedelta(days=2, hours=6)
    await outages.upsert(OutageInput("P3", "planned", start, end, "scheduled",
                                     areas=("城东",)), NOW)
    earlier = start - timedelta(hours=3)  # an earlier start: an hour before it begins now
    info = await outages.upsert(OutageInput("P3", "planned", earlier, end, "scheduled",
                                            areas=("城东",)), NOW + timedelta(hours=1))
    assert info.notice is not None
    assert info.notice.due == earlier - timedelta(hours=1)
    assert "changed start" in info.notice.rule and info.notice.late == 0
    later_end = end + timedelta(hours=2)  # a later restoration: before power was to return
    at = end - timedelta(minutes=30)  # posted half an hour before it: too late
    info = await outages.upsert(OutageInput("P3", "planned", earlier, later_end, "active",
                                            areas=("城东",)), at)
    assert info.notice is not None
    assert info.notice.due == end - timedelta(hours=1) and info.notice.late == 1
    assert "changed restoration" in info.notice.rule
    newest = (await _targets(db))[-1]
    assert newest.notice_late is True and newest.notice_due == end - timedelta(hours=1)
