"""The monthly report for the previous month, written on the 1st by a job inside `ivr serve`
(and at start, for a month missed while it was down), once however many processes run it;
listed on the reports page and downloaded as the XLSX it was written as."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from playwright.async_api import Browser

from ivr.app import start_hotline
from ivr.db.session import Database
from ivr.services.calls import CallLog
from ivr.services.hotline_services import HotlineServices
from ivr.services.monthly_reports import MonthlyReports
from ivr.services.tickets import Tickets
from ivr.services.users import Users
from ivr.speech.tts import SilentSynthesizer
from ivr.web.monthly_job import MonthlyReportJob
from ivr.web.pages.reports import ReportSource
from tests.hotline import hotline_settings
from tests.web.browser import browser, screenshot, sign_in_page
from tests.web.staff import PASSWORD

__all__ = ["browser"]

TZ = ZoneInfo("Asia/Shanghai")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ).astimezone(UTC)


async def a_month_of_calls(db: Database, first: date) -> None:
    """In the month starting `first`: three calls (two self-served) and a repair work order;
    one call a minute before the month and one a minute after it, which must not count."""
    log = CallLog(db)
    next_month = (first + timedelta(days=32)).replace(day=1)
    calls = [("m.1", local(first, 0, 1), "self_served"),
             ("m.2", local(first + timedelta(days=14), 10), "self_served"),
             ("m.3", local(next_month - timedelta(days=1), 23, 58), "transferred"),
             ("m.before", local(first, 0) - timedelta(minutes=1), "self_served"),
             ("m.after", local(next_month, 0, 1), "self_served")]
    for uid, ended, outcome in calls:
        await log.finish(uid, outcome=outcome, queue=None, ended_at=ended, account=None,
                         events=[], caller="+8613800138000")
    tickets = Tickets(db, "Asia/Shanghai")
    repair = await tickets.open(
        "repair", account=None, caller="+8613800138000", description="no power",
        call_uniqueid=None, now=local(first + timedelta(days=3), 9))
    await tickets.close(repair.number, "fuse replaced", by="crew",
                        now=local(first + timedelta(days=3), 11))  # its follow-up still to call


def summary_of(xlsx: bytes) -> dict[str, object]:
    book = load_workbook(io.BytesIO(xlsx))
    return {row[0]: row[1] for row in book["summary"].iter_rows(min_row=2, values_only=True)}


async def test_the_previous_month_is_written_once_on_the_first(db: Database) -> None:
    await a_month_of_calls(db, date(2026, 11, 1))
    services = HotlineServices.build(db, timezone="Asia/Shanghai", ring_seconds=5)
    source = ReportSource(services, TZ)
    clock = Clock(local(date(2026, 11, 30), 23))
    first, second = (MonthlyReportJob(source, instance=name, clock=clock) for name in "ab")

    assert await first.run_once() == "2026-10"  # started late in November: October caught up
    assert await first.run_once() is None
    clock.now = local(date(2026, 12, 1), 0, 10)  # calls of 30 November may still be ending
    assert await first.run_once() is None
    clock.now = local(date(2026, 12, 1), 0, 31)
    written = await asyncio.gather(first.run_once(), second.run_once())
    assert sorted(written, key=str) == ["2026-11", None]  # two processes, one report

    reports = MonthlyReports(db)
    figures = await reports.figures("2026-11")
    assert figures is not None
    assert (figures["calls"], figures["self_served"], figures["self_service_pct"]) == (
        3, 2, 66.7)
    assert (figures["from"], figures["to"]) == ("2026-11-01", "2026-11-30")
    assert [o["type"] for o in figures["orders"]] == ["repair"]
    repair = next(f for f in figures["follow_ups"] if f["type"] == "repair")
    assert (repair["closed"], repair["followed_up"], repair["pending"], repair["pct"]) == (
        1, 0, 1, 0.0)
    xlsx = await reports.xlsx("2026-11")
    assert xlsx is not None
    summary = summary_of(xlsx)
    assert (summary["period"], summary["calls"], summary["self_served"]) == ("month", 3, 2)
    book = load_workbook(io.BytesIO(xlsx))
    follow_ups = {r[0]: r for r in book["follow_ups"].iter_rows(min_row=2, values_only=True)}
    assert follow_ups["repair"][1:4] == (1, 0, 1)  # closed, followed up, pending
    assert [m.month for m in await reports.list()] == ["2026-11", "2026-10"]
    clock.now = local(date(2026, 12, 20), 12)
    assert await second.run_once() is None


async def test_a_claim_left_by_a_dead_process_is_taken_over(db: Database) -> None:
    services = HotlineServices.build(db, timezone="Asia/Shanghai", ring_seconds=5)
    now = local(date(2026, 12, 1), 1)
    reports = MonthlyReports(db)
    assert await reports.claim("2026-11", "killed mid-way", now)
    clock = Clock(now + timedelta(minutes=5))
    job = MonthlyReportJob(ReportSource(services, TZ), instance="b", clock=clock)
    assert await job.run_once() is None  # the other may still be writing
    assert await reports.xlsx("2026-11") is None
    clock.now = now + timedelta(minutes=16)
    assert await job.run_once() == "2026-11"
    assert not await reports.finish("2026-11", "killed mid-way", {}, b"", clock.now)
    assert await reports.xlsx("2026-11") is not None


async def test_ivr_serve_writes_the_missed_month_at_start_and_the_page_offers_it(
    db: Database, database_url: str, tmp_path: Path, browser: Browser
) -> None:
    today = datetime.now(TZ).date()
    previous = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    await a_month_of_calls(db, previous)
    await Users(db).add("duty", "supervisor", PASSWORD)
    settings = hotline_settings(database_url, tmp_path)
    hotline = await start_hotline(
        settings, synth=SilentSynthesizer(settings.prompt_cache_dir), watch=False)
    try:
        month = previous.strftime("%Y-%m")
        async with asyncio.timeout(20):  # the job runs as the hotline starts
            while True:
                if await MonthlyReports(db).xlsx(month) is not None:
                    break
                await asyncio.sleep(0.1)
        base = f"http://127.0.0.1:{hotline.http_port}"
        page = await sign_in_page(browser, base, "duty", PASSWORD)
        await page.goto(base + "/reports")
        row = page.locator(f'#monthly tr[data-month="{month}"]')
        assert "已生成" in await row.inner_text()
        await screenshot(page, "reports-monthly")
        async with page.expect_download() as download_info:
            await row.locator("a.monthly-xlsx").click()
        download = await download_info.value
        target = tmp_path / download.suggested_filename
        await download.save_as(target)
        assert target.name == f"hotline-month-{month}.xlsx"
        summary = summary_of(target.read_bytes())
        assert (summary["calls"], summary["self_served"]) == (3, 2)
        assert summary["from"] == previous.isoformat()
    finally:
        await hotline.close()
