"""Reports: the figures of a day, downloaded as XLSX from the page in a real browser and opened
with openpyxl; the CSV carries the same rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from playwright.async_api import Browser

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.services.calls import CallLog
from ivr.services.queue_records import CallRecord, QueueLeg
from ivr.services.queue_stats import QueueStats
from ivr.services.tickets import Tickets
from ivr.services.users import Users
from ivr.web.pages.reports import period_bounds
from tests.hotline import hotline
from tests.web.browser import browser, screenshot, sign_in_page
from tests.web.staff import PASSWORD, SignIn, sign_in, staff

__all__ = ["browser", "hotline", "sign_in", "staff"]

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 30)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), TZ).astimezone(UTC)


async def a_day_of_calls(db: Database) -> None:
    """Four IVR calls (two self-served), two reaching agents: one within three rings (15 s),
    one abandoned; two work orders."""
    log = CallLog(db)
    for uid, hour, outcome in [("1.1", 9, "self_served"), ("1.2", 9, "self_served"),
                               ("1.3", 10, "transferred"), ("1.4", 14, "caller_hung_up")]:
        await log.finish(uid, outcome=outcome, queue=None, ended_at=at(hour, 5), account=None,
                         events=[], caller="+8613800138000")
    stats = QueueStats(db, threshold=15)
    t0 = at(10).timestamp()
    await stats.store(CallRecord("1.3", "PJSIP/c-1", "13800138000", t0, t0 + 2, t0 + 100,
                                 legs=[QueueLeg("repair", t0 + 10, 1, left_at=t0 + 20,
                                                connected_at=t0 + 20, completed_at=t0 + 90,
                                                agent="A001")]))
    t1 = at(14).timestamp()
    await stats.store(CallRecord("1.4", "PJSIP/c-2", "13800138001", t1, t1 + 1, t1 + 60,
                                 legs=[QueueLeg("general", t1 + 5, 1, left_at=t1 + 50,
                                                abandoned=True)]))
    tickets = Tickets(db, TZ)
    for kind in ("repair", "complaint"):
        await tickets.open(kind, account=None, caller="+8613800138000", description="x",
                           call_uniqueid=None, now=at(11))


def test_periods_are_local_days_weeks_and_months() -> None:
    assert period_bounds("day", DAY, TZ) == (datetime(2026, 11, 30, tzinfo=TZ),
                                              datetime(2026, 12, 1, tzinfo=TZ))
    assert period_bounds("week", DAY, TZ)[0].date() == DAY  # a Monday
    assert period_bounds("month", date(2026, 12, 31), TZ) == (
        datetime(2026, 12, 1, tzinfo=TZ), datetime(2027, 1, 1, tzinfo=TZ))


async def test_a_daily_report_downloads_as_xlsx_with_the_days_figures(
    hotline: Hotline, db: Database, browser: Browser, tmp_path: Path
) -> None:
    await a_day_of_calls(db)
    await Users(db).add("duty", "supervisor", PASSWORD)
    base = f"http://127.0.0.1:{hotline.http_port}"
    page = await sign_in_page(browser, base, "duty", PASSWORD)
    await page.goto(f"{base}/reports?period=day&date={DAY.isoformat()}")
    assert await page.locator("#r-calls").inner_text() == "4"
    # the charts are drawn by the vendored ECharts, as SVG, from the day's figures
    hours = await page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('hour-chart')).getOption()"
        ".series[0].data")
    assert (hours[9], hours[10], hours[14], sum(hours)) == (2, 1, 1, 4)
    assert await page.locator("#hour-chart svg path").count() >= 3  # a bar per busy hour
    assert await page.locator("#order-chart svg").count() == 1
    await screenshot(page, "reports-day")
    async with page.expect_download() as download_info:
        await page.click("#xlsx")
    download = await download_info.value
    target = tmp_path / download.suggested_filename
    await download.save_as(target)
    assert target.name == "hotline-day-2026-11-30.xlsx"

    book = load_workbook(target)
    summary = {row[0]: row[1] for row in book["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["calls"] == 4 and summary["self_served"] == 2
    assert summary["self_service_pct"] == 50.0
    assert summary["offered"] == 2 and summary["agent_within_three_rings"] == 1
    assert summary["agent_three_rings_pct"] == 50.0 and summary["abandoned"] == 1
    hours = dict(book["calls_by_hour"].iter_rows(min_row=2, values_only=True))
    assert (hours[9], hours[10], hours[14], hours[0]) == (2, 1, 1, 0)
    orders = {r[0]: r for r in book["work_orders"].iter_rows(min_row=2, values_only=True)}
    assert set(orders) == {"repair", "complaint"} and orders["complaint"][1] == 1


async def test_the_csv_has_the_same_figures_and_reports_are_for_supervisors(
    sign_in: SignIn, db: Database
) -> None:
    await a_day_of_calls(db)
    client = await sign_in("supervisor")
    async with client.get(f"/reports/export.csv?period=week&date={DAY.isoformat()}") as resp:
        text = (await resp.read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["calls", "4"] in rows and ["abandoned", "1"] in rows
    agent = await sign_in("agent")
    async with agent.get("/reports/export.xlsx") as resp:
        assert resp.status == 403
    async with client.get("/reports?period=year") as resp:
        assert resp.status == 400

