"""The official holiday schedule, for years the holiday package does not cover yet (admin)."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from ivr.services.calendar import CalendarEntry, WorkingCalendar, calendar_entry
from ivr.services.errors import ValidationError
from ivr.services.tickets import Tickets
from ivr.web.auth import PRINCIPAL_KEY, allow, error
from ivr.web.encode import respond
from ivr.web.requests import read_json

CALENDAR_KEY = web.AppKey("working_calendar", WorkingCalendar)
RECOUNT_KEY = web.AppKey("recount_tickets", Tickets)
MAX_DAYS = 400  # a year's schedule is a few dozen days; this bounds one request


@allow("admin", "supervisor")
async def get_calendar(request: web.Request) -> web.Response:
    raw = request.query.get("year", "")
    if not (raw.isascii() and raw.isdigit() and 1900 < int(raw) < 3000):
        return error(400, "a year (e.g. 2027) is required", field="year")
    days = await request.app[CALENDAR_KEY].entries(int(raw))
    return respond({"year": int(raw), "days": days})


@allow("admin")
async def post_calendar(request: web.Request) -> web.Response:
    """Load days `{"days": [{"date": "2027-02-06", "kind": "holiday", "name": "春节"}]}`;
    a day already loaded is replaced."""
    body = await read_json(request)
    try:
        entries = _entries(body.get("days"))
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    loaded = await request.app[CALENDAR_KEY].load(entries)
    # Orders whose deadlines were provisional get them counted on the schedule just loaded.
    recounted = await request.app[RECOUNT_KEY].recount_provisional(by=request[PRINCIPAL_KEY].name)
    return respond({"loaded": loaded, "deadlines_recounted": recounted})


def _entries(raw: Any) -> list[CalendarEntry]:
    if not isinstance(raw, list) or not raw or len(raw) > MAX_DAYS:
        raise ValidationError("days", f"a list of 1 to {MAX_DAYS} days is required")
    entries = []
    for index, item in enumerate(raw):
        where = f"days[{index}]"
        if not isinstance(item, dict):
            raise ValidationError(where, "an object with date, kind and name is required")
        try:
            day = date.fromisoformat(str(item.get("date", "")))
        except ValueError:
            raise ValidationError(f"{where}.date", "a date (YYYY-MM-DD) is required") from None
        name = item.get("name", "")
        if not isinstance(name, str):
            raise ValidationError(f"{where}.name", "a text is required")
        try:
            entries.append(calendar_entry(day, str(item.get("kind", "")), name))
        except ValidationError as exc:
            raise ValidationError(f"{where}.{exc.field}", exc.message) from None
    return entries


def add_routes(app: web.Application, tickets: Tickets) -> None:
    app[CALENDAR_KEY] = tickets.calendar
    app[RECOUNT_KEY] = tickets
    app.router.add_get("/api/calendar", get_calendar)
    app.router.add_post("/api/calendar", post_calendar)
