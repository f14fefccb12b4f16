"""Daily, weekly and monthly reports (日报/周报/月报): calls by hour, the three-ring shares of
the IVR and of the agents, self-service, abandoned calls, work orders by type with their
deadlines met, follow-up coverage and satisfaction; as a page with charts and as XLSX or CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from openpyxl import Workbook

from ivr.services.hotline_services import HotlineServices
from ivr.web.pages.charts import SCRIPTS, bars
from ivr.web.pages.common import render
from ivr.web.pages.i18n import translate
from ivr.web.sessions import SESSION_KEY, page

PERIODS = ("day", "week", "month")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ReportSource:
    services: HotlineServices
    timezone: ZoneInfo


REPORT_KEY = web.AppKey("reports", ReportSource)


def period_bounds(period: str, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the day, the week (Monday first) or the month holding `day`, local."""
    if period == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
    elif period == "month":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
    else:
        first, last = day, day + timedelta(days=1)
    return datetime.combine(first, time(), tz), datetime.combine(last, time(), tz)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


async def report(source: ReportSource, period: str, day: date,
                 now: datetime | None = None) -> dict[str, Any]:
    since, until = period_bounds(period, day, source.timezone)
    now = now or datetime.now(UTC)
    services = source.services
    calls = await services.figures.calls(since, until, source.timezone)
    level = await services.queue_stats.service_level(since, until)
    orders = await services.figures.orders(since, until, now)
    follow_ups = await services.surveys.coverage(since, until)
    return {
        "period": period,
        "from": since.date().isoformat(),
        "to": (until - timedelta(days=1)).date().isoformat(),
        "calls": calls.calls,
        "self_served": calls.self_served,
        "self_service_pct": calls.self_service_pct,
        "by_hour": calls.by_hour,
        "ivr_calls_seen": level.inbound_calls,
        "ivr_within_three_rings": level.picked_up_within_three_rings,
        "ivr_three_rings_pct": _pct(level.picked_up_within_three_rings, level.inbound_calls),
        "offered": level.overall.offered,
        "answered": level.overall.answered,
        "agent_within_three_rings": level.overall.answered_within_three_rings,
        "agent_three_rings_pct": level.overall.within_three_rings_pct,
        "abandoned": level.overall.abandoned,
        "queues": [
            {"queue": q.queue, "offered": q.offered, "answered": q.answered,
             "within": q.answered_within_three_rings, "pct": q.within_three_rings_pct,
             "abandoned": q.abandoned}
            for q in level.queues.values()
        ],
        "orders": [
            {"type": o.type, "opened": o.opened, "closed": o.closed, "met": o.deadline_met,
             "missed": o.deadline_missed, "overdue": o.open_overdue, "pct": o.compliance_pct}
            for o in orders
        ],
        "follow_ups": [
            {"type": f.type, "closed": f.closed, "followed_up": f.followed_up,
             "pending": f.pending, "missing": f.missing, "pct": f.percent,
             "scored": f.scored, "satisfied": f.satisfied, "satisfaction": f.satisfaction_rate}
            for f in follow_ups
        ],
    }


def _request_period(request: web.Request) -> tuple[str, date]:
    period = request.query.get("period", "day")
    if period not in PERIODS:
        raise web.HTTPBadRequest(text=f"period: one of {', '.join(PERIODS)}")
    tz = request.app[REPORT_KEY].timezone
    try:
        day = date.fromisoformat(request.query["date"]) if request.query.get("date") else (
            datetime.now(tz).date())
    except ValueError:
        raise web.HTTPBadRequest(text="date: YYYY-MM-DD expected") from None
    return period, day


@page("supervisor")
async def reports_page(request: web.Request) -> web.Response:
    period, day = _request_period(request)
    data = await report(request.app[REPORT_KEY], period, day)
    lang = request[SESSION_KEY].language.value
    hour_chart = bars([str(h) for h in range(24)],
                      [(translate(lang, "calls"), data["by_hour"])])  # the card has the title
    order_chart = bars([translate(lang, f"type_{o['type']}") for o in data["orders"]],
                       [(translate(lang, "opened"), [o["opened"] for o in data["orders"]]),
                        (translate(lang, "deadline_met"), [o["met"] for o in data["orders"]])])
    return render(request, "reports.html", {
        "heading": "reports", "r": data, "periods": PERIODS, "day": day.isoformat(),
        "hour_chart": hour_chart, "order_chart": order_chart, "chart_scripts": SCRIPTS,
        "monthly": await request.app[REPORT_KEY].services.monthly_reports.list(),
        "tz": request.app[REPORT_KEY].timezone,
    })


@page("supervisor")
async def monthly_xlsx(request: web.Request) -> web.Response:
    """A monthly report written on the 1st by the background job, as it was written."""
    month = request.match_info["month"]
    body = await request.app[REPORT_KEY].services.monthly_reports.xlsx(month)
    if body is None:
        raise web.HTTPNotFound(text=f"no monthly report for {month}")
    return web.Response(body=body, content_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="hotline-month-{month}.xlsx"',
        "Cache-Control": "no-store"})


def _rows(data: dict[str, Any]) -> list[tuple[str, list[list[Any]]]]:
    """The report as sheets of rows, shared by XLSX and CSV so the two cannot disagree."""
    summary = [["figure", "value"]] + [
        [key, data[key]]
        for key in ("period", "from", "to", "calls", "self_served", "self_service_pct",
                    "ivr_calls_seen", "ivr_within_three_rings", "ivr_three_rings_pct", "offered",
                    "answered", "agent_within_three_rings", "agent_three_rings_pct", "abandoned")
    ]
    hours = [["hour", "calls"]] + [[h, n] for h, n in enumerate(data["by_hour"])]
    queues = [["queue", "offered", "answered", "within_three_rings", "pct", "abandoned"]] + [
        [q["queue"], q["offered"], q["answered"], q["within"], q["pct"], q["abandoned"]]
        for q in data["queues"]
    ]
    orders = [["type", "opened", "closed", "deadline_met", "deadline_missed", "open_overdue",
               "compliance_pct"]] + [
        [o["type"], o["opened"], o["closed"], o["met"], o["missed"], o["overdue"], o["pct"]]
        for o in data["orders"]
    ]
    follow_ups = [["type", "closed", "followed_up", "pending", "missing", "coverage_pct",
                   "scored", "satisfied", "satisfaction_pct"]] + [
        [f["type"], f["closed"], f["followed_up"], f["pending"], f["missing"], f["pct"],
         f["scored"], f["satisfied"], f["satisfaction"]]
        for f in data["follow_ups"]
    ]
    return [("summary", summary), ("calls_by_hour", hours), ("queues", queues),
            ("work_orders", orders), ("follow_ups", follow_ups)]


def workbook(data: dict[str, Any]) -> bytes:
    """The report as an XLSX file: a sheet per table of `_rows`."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in _rows(data):
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _filename(data: dict[str, Any], suffix: str) -> str:
    return f"hotline-{data['period']}-{data['from']}.{suffix}"


@page("supervisor")
async def export(request: web.Request) -> web.Response:
    period, day = _request_period(request)
    data = await report(request.app[REPORT_KEY], period, day)
    if request.match_info["format"] == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        for name, rows in _rows(data):
            writer.writerow([f"# {name}"])
            writer.writerows(rows)
        body, ctype = ("\ufeff" + out.getvalue()).encode(), "text/csv"  # BOM: Excel reads UTF-8
    else:
        body = workbook(data)
        ctype = XLSX
    name = _filename(data, request.match_info["format"])
    return web.Response(body=body, content_type=ctype, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def add_routes(app: web.Application, source: ReportSource) -> None:
    app[REPORT_KEY] = source
    app.router.add_get("/reports", reports_page)
    app.router.add_get("/reports/export.{format:xlsx|csv}", export)
    app.router.add_get(r"/reports/monthly/{month:\d{4}-\d{2}}.xlsx", monthly_xlsx)
