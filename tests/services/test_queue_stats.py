"""Stored queue records and service levels, on SQLite and PostgreSQL, from recorded AMI streams."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ivr.ami.state import HotlineState
from ivr.asterisk_names import QUEUES
from ivr.db.enums import QueueOutcome
from ivr.db.models import PbxCall, QueueLegRow, RingAttemptRow
from ivr.db.session import Database
from ivr.pbxsim.ami_wire import read_recording
from ivr.services.errors import ValidationError
from ivr.services.queue_records import CallRecord, service_level
from ivr.services.queue_stats import QueueStats

FIXTURES = Path(__file__).parents[1] / "ami" / "fixtures"
SCENARIO = ("members_login", "ring_no_answer_then_answer", "abandon", "pause_then_quick_answer")
T0 = datetime.fromtimestamp(1754450000, UTC)
BEIJING = timezone(timedelta(hours=8))


def finished_calls(*names: str) -> list[CallRecord]:
    sink: list[CallRecord] = []
    state = HotlineState(ring_seconds=5, on_call_finished=sink.append)
    for name in names:
        for event in read_recording(FIXTURES / f"{name}.ami"):
            state.feed(event)
    return sink


async def stored(db: Database, *names: str) -> QueueStats:
    stats = QueueStats(db, threshold=15)
    for record in finished_calls(*names):
        await stats.store(record)
    return stats


async def test_ring_no_answer_then_answer_is_stored_column_for_column(db: Database) -> None:
    stats = await stored(db, "members_login", "ring_no_answer_then_answer")
    async with db.sessionmaker() as session:
        call = await session.get(PbxCall, "1754450000.101")
    assert call is not None
    assert (call.caller, call.pickup_seconds, call.hangup_cause) == (
        "13800138000",
        1.84,
        "Normal Clearing",
    )
    assert call.started_at == T0 and call.answered_at == T0 + timedelta(seconds=1.84)
    (leg,) = await stats.legs("1754450000.101")
    assert (leg.queue, leg.position, leg.outcome, leg.agent, leg.agent_interface) == (
        "repair",
        1,
        QueueOutcome.ANSWERED,
        "A002",
        "PJSIP/8002",
    )
    assert leg.wait_seconds == 24.1 and leg.within_three_rings is False
    assert leg.joined_at == T0 + timedelta(seconds=40)
    assert leg.connected_at == T0 + timedelta(seconds=64.1)
    assert [(a.member, a.ring_seconds, a.answered) for a in leg.attempts] == [
        ("A001", 15.0, False),
        ("A002", 8.07, True),
    ]


async def test_a_record_read_back_equals_the_one_stored(db: Database) -> None:
    records = finished_calls(*SCENARIO)
    stats = QueueStats(db, threshold=15)
    for record in records:
        await stats.store(record)
    for record in records:
        assert await stats.get(record.uniqueid) == record
    assert await stats.get("no-such-call") is None


async def test_storing_again_replaces_and_never_duplicates(db: Database) -> None:
    records = finished_calls(*SCENARIO)
    stats = QueueStats(db, threshold=15)
    for record in records + records:
        await stats.store(record)
    changed = records[0]
    changed.legs[0].agent = "A009"
    await stats.store(changed)
    async with db.sessionmaker() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(table))
            for table in (PbxCall, QueueLegRow, RingAttemptRow)
        ]
    assert counts == [3, 3, 4]
    (leg,) = await stats.legs(changed.uniqueid)
    assert leg.agent == "A009"


async def test_abandon_and_timeout_outcomes(db: Database) -> None:
    stats = await stored(db, *SCENARIO)
    outcomes = {}
    for record in finished_calls(*SCENARIO):
        (leg,) = await stats.legs(record.uniqueid)
        outcomes[leg.queue] = (leg.outcome, leg.wait_seconds, leg.within_three_rings)
    assert outcomes == {
        "repair": (QueueOutcome.ANSWERED, 24.1, False),
        "billing": (QueueOutcome.ABANDONED, 9.0, False),
        "general": (QueueOutcome.ANSWERED, 6.0, True),
    }
    record = finished_calls("members_login", "ring_no_answer_then_answer")[0]
    record.uniqueid = "gave-up"
    gave_up = record.legs[0]
    gave_up.connected_at = gave_up.agent = gave_up.agent_interface = None
    await stats.store(record)
    (row,) = await stats.legs("gave-up")
    assert (row.outcome, row.wait_seconds) == (QueueOutcome.TIMEOUT, 24.1)


async def test_service_level_from_the_database_matches_the_live_figures(db: Database) -> None:
    stats = await stored(db, *SCENARIO)
    report = await stats.service_level(T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    expected = service_level(
        finished_calls(*SCENARIO),
        threshold=15,
        since=(T0 - timedelta(hours=1)).timestamp(),
        until=(T0 + timedelta(hours=1)).timestamp(),
        queues=QUEUES,
    )
    assert report == expected
    overall = report.overall
    assert (overall.offered, overall.answered, overall.abandoned) == (3, 2, 1)
    assert (overall.answered_within_three_rings, overall.within_three_rings_pct) == (1, 33.33)
    assert (overall.average_wait, overall.p90_wait) == (13.033, 24.1)
    assert list(report.queues) == list(QUEUES)
    assert report.queues["complaint"].offered == 0
    assert (report.inbound_calls, report.picked_up_within_three_rings) == (3, 3)


async def test_time_range_is_half_open_and_takes_any_offset(db: Database) -> None:
    stats = await stored(db, *SCENARIO)
    # The general call joined at T0+320 exactly: `to` excludes it, `from` includes it.
    before = await stats.service_level(
        (T0 + timedelta(seconds=40)).astimezone(BEIJING), T0 + timedelta(seconds=320)
    )
    assert before.overall.offered == 2 and before.queues["general"].offered == 0
    after = await stats.service_level(T0 + timedelta(seconds=320), T0 + timedelta(days=1))
    assert after.overall.offered == 1 and after.overall.answered_within_three_rings == 1
    assert after.inbound_calls == 0  # every call started before the range
    empty = await stats.service_level(T0 + timedelta(days=1), T0 + timedelta(days=2))
    assert empty.overall.offered == 0 and empty.overall.within_three_rings_pct is None


async def test_bad_ranges_name_the_field(db: Database) -> None:
    stats = QueueStats(db, threshold=15)
    with pytest.raises(ValidationError) as excinfo:
        await stats.service_level(T0, T0)
    assert excinfo.value.field == "to"
    with pytest.raises(ValidationError) as excinfo:
        await stats.service_level(T0.replace(tzinfo=None), T0)
    assert excinfo.value.field == "from"
