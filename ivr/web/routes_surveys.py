"""Follow-up coverage and survey results, for the survey team and supervisors."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from aiohttp import web

from ivr.services.errors import NotFound, ValidationError
from ivr.services.surveys import Surveys
from ivr.web.auth import allow, error
from ivr.web.encode import respond
from ivr.web.requests import parse_moment

SURVEYS_KEY = web.AppKey("surveys", Surveys)


def _moment(request: web.Request, name: str) -> datetime:
    raw = request.query.get(name, "")
    if not raw:
        raise ValidationError(name, "required: an ISO 8601 date and time with a UTC offset")
    return parse_moment(raw, name)


@allow("survey", "supervisor")
async def get_coverage(request: web.Request) -> web.Response:
    """`?from=&to=`: closures of repairs, complaints and reports in `[from, to)`."""
    try:
        since, until = _moment(request, "from"), _moment(request, "to")
        rows = await request.app[SURVEYS_KEY].coverage(since, until)
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    return respond({"from": since, "to": until, "types": [asdict(row) for row in rows]})


@allow("survey", "supervisor")
async def get_results(request: web.Request) -> web.Response:
    """`?ticket=R20261125-0042`: every follow-up of that work order and how it ended."""
    ticket = request.query.get("ticket", "")
    if not ticket:
        return error(400, "a work-order number is required", field="ticket")
    try:
        results = await request.app[SURVEYS_KEY].results(ticket)
    except NotFound as exc:
        return error(404, str(exc))
    return respond({"ticket": ticket.upper(), "follow_ups": [asdict(r) for r in results]})


def add_routes(app: web.Application, surveys: Surveys) -> None:
    app[SURVEYS_KEY] = surveys
    app.router.add_get("/api/surveys/coverage", get_coverage)
    app.router.add_get("/api/surveys", get_results)
