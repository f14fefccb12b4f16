"""The record writer: off the event path, in order, and nothing lost when the database hiccups."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from ivr.ami.recorder import RecordWriter
from ivr.ami.state import HotlineState
from ivr.db.session import Database
from ivr.pbxsim.ami_wire import read_recording
from ivr.services.queue_records import CallRecord
from ivr.services.queue_stats import QueueStats

FIXTURES = Path(__file__).parent / "fixtures"


def scenario_records() -> list[CallRecord]:
    sink: list[CallRecord] = []
    state = HotlineState(on_call_finished=sink.append)
    for name in (
        "members_login",
        "ring_no_answer_then_answer",
        "abandon",
        "pause_then_quick_answer",
    ):
        for event in read_recording(FIXTURES / f"{name}.ami"):
            state.feed(event)
    return sink


class FlakyDatabase:
    """The real store, behind a database that refuses the first `failures` writes."""

    def __init__(self, stats: QueueStats, failures: int) -> None:
        self.stats, self.failures, self.calls = stats, failures, 0

    async def store(self, record: CallRecord) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise OperationalError(
                "INSERT INTO pbx_calls ...",
                {"caller": "13800138000"},
                Exception("database is locked"),
            )
        await self.stats.store(record)


async def test_records_survive_a_database_hiccup_in_order(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    stats = QueueStats(db, threshold=15)
    flaky = FlakyDatabase(stats, failures=3)
    writer = RecordWriter(flaky, retry_initial=0.001, retry_max=0.004)
    writer.start()
    records = scenario_records()
    try:
        for record in records:
            writer.submit(record)  # returns at once: nothing awaited on the event path
        assert writer.backlog == 3
        async with asyncio.timeout(3):
            await writer.idle()
    finally:
        await writer.close()
    assert (writer.written, writer.failures, flaky.calls) == (3, 3, 6)
    for record in records:
        assert await stats.get(record.uniqueid) == record
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3 and "database is locked" in warnings[0]
    assert not any("13800138000" in message for message in warnings)  # no caller numbers


async def test_close_reports_what_could_not_be_stored(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = FlakyDatabase(QueueStats(db, threshold=15), failures=10**6)
    writer = RecordWriter(flaky, retry_initial=0.001, retry_max=0.002, flush_timeout=0.05)
    writer.start()
    records = scenario_records()
    for record in records:
        writer.submit(record)
    await writer.close()
    assert writer.written == 0 and writer.backlog == 3
    (error,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert error.startswith("3 call records could not be stored")
    assert all(r.uniqueid in error for r in records)
