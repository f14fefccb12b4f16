"""How many SQL statements the common calls cost, counted on the hotline's own engine.

Each path is one call through the FastAGI server driven by the PBX simulator, on SQLite and on
PostgreSQL. The budgets are the counts in README.md ("What a call costs the database"); a
change that makes a path ask the database more often fails here and must say why there.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from ivr.app import Hotline, start_hotline
from ivr.db.session import Database
from ivr.flow import journal
from ivr.pbxsim.call import simulate_call
from ivr.services.calls import CallLog, CallRecord
from ivr.speech.tts import SilentSynthesizer
from ivr.web.monthly_job import month_due
from ivr.web.pages.reports import ReportSource
from tests.conftest import CustomerFactory
from tests.hotline import CALLER, add_bills, add_outage, hotline_settings

# path: (caller's keys, whether the premises have an outage, statements)
BUDGETS: dict[str, tuple[tuple[str, ...], bool, int]] = {
    # caller id lookup 1, outage check 1 (nothing found), call start 1, call end 2 (the
    # call's row updated, the rest of the journey inserted where not stored yet)
    "identification": (("h",), False, 5),
    # as above, the outage check 3 (the outages, their areas, their transformers)
    "outage check": (("h",), True, 7),
    # and the bill 1
    "bill query": (("3", "h"), True, 8),
    # "1 to hear it again": served from what the call already holds
    "bill query, heard twice": (("3", "1", "h"), True, 8),
    # the work order: its number 1, the outage it joins checked 1, the order and its first
    # event 2, the journey so far stored before the caller hears the number 1
    "repair report": (("2", "1", "1", "h"), True, 12),
}


@pytest.fixture
async def hotline(db: Database, database_url: str, tmp_path: Path) -> AsyncIterator[Hotline]:
    settings = hotline_settings(database_url, tmp_path)
    running = await start_hotline(
        settings, synth=SilentSynthesizer(settings.prompt_cache_dir), watch=False)
    try:
        await monthly_report_written(running, settings.timezone)
        yield running
    finally:
        await running.close()


# Tables only the hotline's background jobs read or write (the monthly report on the 1st, the
# announcements board's refresh, kept flow versions, dictation of voice messages, staff
# sessions): their statements may land during a call but are not the call's.
BACKGROUND = ("monthly_reports", "announcements", "flow_versions", "voice_messages",
              "staff_sessions")
_BACKGROUND = re.compile(rf"\b(FROM|INTO|UPDATE) ({'|'.join(BACKGROUND)})\b")


async def monthly_report_written(running: Hotline, timezone: str) -> None:
    """The start of `ivr serve` writes last month's report (a background job reading calls,
    work orders and follow-ups): let it finish before counting a call's statements."""
    services = running.runner.services
    month = month_due(datetime.now(UTC), ReportSource(services, ZoneInfo(timezone)))
    for _ in range(500):
        if await services.monthly_reports.ready(month.strftime("%Y-%m")):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the report of {month:%Y-%m} was never written")


@contextmanager
def counted(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        flat = " ".join(statement.split())
        if not _BACKGROUND.search(flat):
            statements.append(flat[:90])

    # the async engine's, and those of the whole transactions run on threads of their own
    engines = {database.engine.sync_engine, database.reads.sync_engine,
               database.transactions.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", seen)


async def settled(database: Database) -> None:
    """Wait until the hotline's start-up jobs (the monthly report, the dialler's figures) have
    stopped sending statements, so that only the call's own are counted."""
    last = -1
    for _ in range(100):
        if database.statements == last:
            return
        last = database.statements
        await asyncio.sleep(0.3)
    raise AssertionError("the hotline never stopped sending statements before the call")


async def finished(db: Database, uniqueid: str) -> CallRecord:
    for _ in range(200):
        record = await CallLog(db).get(uniqueid)
        if record is not None and record.outcome is not None:
            return record
        await asyncio.sleep(0.02)
    raise AssertionError(f"call {uniqueid} never finished")


@pytest.mark.parametrize("path", list(BUDGETS))
async def test_statements_per_path(hotline: Hotline, db: Database, add_customer: CustomerFactory,
                                   path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    keys, outage, budget = BUDGETS[path]
    # The budgets are the call's own statements. The journal also writes the journey so far
    # a second after a lookup if the call is still going (a crash then loses little): on a
    # loaded machine a simulated call can outlast that second and add one INSERT by the clock.
    monkeypatch.setattr(journal, "LOOKUP_DELAY", 60.0)
    await add_customer()
    await add_bills(db)
    if outage:
        await add_outage(db)
    await settled(hotline.db)
    with counted(hotline.db) as statements:
        t = await simulate_call("127.0.0.1", hotline.agi_port, caller=CALLER, responses=keys)
        record = await finished(db, t.uniqueid)
    assert record.outcome == "caller_hung_up"
    assert len(statements) == budget, "\n".join(statements)


async def test_prompts_found_in_memory_not_on_disk(hotline: Hotline, db: Database,
                                                   add_customer: CustomerFactory) -> None:
    """The first call renders its prompts; the same call again finds every one in the cache's
    index, without looking on disk."""
    await add_customer()
    await add_bills(db)
    cache = hotline.synth.cache
    first = await simulate_call("127.0.0.1", hotline.agi_port, caller=CALLER,
                                responses=("3", "h"))
    checks = cache.disk_checks
    again = await simulate_call("127.0.0.1", hotline.agi_port, caller=CALLER,
                                responses=("3", "h"))
    assert again.prompts == first.prompts and len(again.prompts) >= 4
    assert cache.disk_checks == checks
