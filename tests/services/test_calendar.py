"""Deadlines past the holiday package's years: never silently guessed, and fixed by loading the
official schedule (CSV or API); /api/health asks for next year's schedule from 1 December."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ivr.cli.main import cli
from ivr.db.session import Database
from ivr.services.calendar import WorkingCalendar, calendar_entry
from ivr.services.tickets import Tickets
from ivr.services.workdays import PACKAGE_LAST_YEAR, is_official

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YEARS_EVE = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)  # a Thursday


def test_the_package_stops_at_2026() -> None:
    # When the package gains 2027, the provisional tests below need a later year.
    assert PACKAGE_LAST_YEAR == 2026
    assert is_official(2026) and not is_official(2027)


async def test_a_deadline_in_a_year_without_a_schedule_is_provisional(db: Database) -> None:
    ticket = await Tickets(db).open("complaint", account=None, caller=None, description="x",
                                    call_uniqueid=None, now=NEW_YEARS_EVE)
    # New Year's Day is a holiday by statute even without the schedule; then the weekend.
    assert ticket.contact_due == datetime(2027, 1, 4, 10, 0, tzinfo=SHANGHAI)
    assert ticket.deadline_provisional is True
    assert (await Tickets(db).get(ticket.number)) is not None
    early = await Tickets(db).open("complaint", account=None, caller=None, description="x",
                                   call_uniqueid=None, now=datetime(2026, 12, 2, tzinfo=UTC))
    assert early.deadline_provisional is False  # all seven working days fall in 2026


async def test_a_loaded_schedule_is_official_and_counts_make_up_days(db: Database) -> None:
    calendar = WorkingCalendar(db)
    await calendar.load([
        calendar_entry(date(2027, 1, 1), "holiday", "元旦"),
        calendar_entry(date(2027, 1, 2), "workday", "元旦调休"),  # a hypothetical make-up day
    ])
    ticket = await Tickets(db).open("complaint", account=None, caller=None, description="x",
                                    call_uniqueid=None, now=NEW_YEARS_EVE)
    assert ticket.contact_due == datetime(2027, 1, 2, 10, 0, tzinfo=SHANGHAI)
    assert ticket.deadline_provisional is False
    assert [e.name for e in await calendar.entries(2027)] == ["元旦", "元旦调休"]


@pytest.mark.parametrize(
    ("today", "warns"),
    [(date(2026, 11, 30), False), (date(2026, 12, 1), True), (date(2026, 12, 2), True),
     (date(2025, 12, 2), False)],  # 2026 is in the package
)
async def test_next_years_schedule_is_asked_for_from_december(
    db: Database, today: date, warns: bool
) -> None:
    warning = await WorkingCalendar(db).missing_schedule_warning(today)
    assert (warning is not None) is warns
    if warning:
        assert str(today.year + 1) in warning


async def test_a_loaded_year_quietens_the_warning(db: Database) -> None:
    calendar = WorkingCalendar(db)
    await calendar.load([calendar_entry(date(2027, 1, 1), "holiday", "元旦")])
    assert await calendar.missing_schedule_warning(date(2026, 12, 2)) is None


@pytest.fixture
def runner(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    monkeypatch.delenv("IVR_CONFIG", raising=False)
    return CliRunner()


async def test_calendar_import_from_csv(db: Database, runner: CliRunner, tmp_path: Path) -> None:
    waiting = await Tickets(db).open("complaint", account=None, caller=None, description="x",
                                     call_uniqueid=None, now=NEW_YEARS_EVE)
    assert waiting.deadline_provisional
    good = tmp_path / "2027.csv"
    good.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-02-20,workday,春节调休\n",
                    encoding="utf-8")
    result = await asyncio.to_thread(runner.invoke, cli, ["calendar", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 new, 0 updated; 1 provisional work-order deadlines counted again" in result.output
    recounted = await Tickets(db).get(waiting.number)
    assert recounted is not None and not recounted.deadline_provisional
    assert [(e.day, e.kind.value) for e in await WorkingCalendar(db).entries(2027)] == [
        (date(2027, 1, 1), "holiday"), (date(2027, 2, 20), "workday")]


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ("2027-01-01,holiday,元旦\n2027-13-01,holiday,x\n", ":3: date:"),
        ("2027-01-01,day off,元旦\n", ":2: kind:"),
        ("2027-01-01,holiday,元旦\n2027-01-01,workday,x\n", ":3: date: duplicate of line 2"),
        ("2027-01-01,holiday,\n", ":2: name:"),
    ],
)
async def test_bad_calendar_rows_name_file_line_and_column(
    db: Database, runner: CliRunner, tmp_path: Path, rows: str, problem: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind,name\n" + rows, encoding="utf-8")
    result = await asyncio.to_thread(runner.invoke, cli, ["calendar", "import", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}{problem}" in result.output
    assert await WorkingCalendar(db).entries(2027) == []  # nothing of a bad file is loaded
