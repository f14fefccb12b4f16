"""Dispatch's outage page: enter, update and restore outages (the same service as
`POST /api/outages`), and see whom each reaches and how many calls it drew."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ivr.db.enums import OutageKind, OutageStatus
from ivr.flow.announcements import AnnouncementBoard
from ivr.masking import mask_account
from ivr.services.errors import NotFound, ValidationError
from ivr.services.hotline_services import HotlineServices
from ivr.services.outages import OutageInput, validate_outage
from ivr.web.pages import announcements
from ivr.web.pages.common import FormFields, render
from ivr.web.sessions import page


@dataclass(frozen=True)
class OutagePageSource:
    services: HotlineServices
    timezone: ZoneInfo
    board: AnnouncementBoard | None = None  # None: no announcements section


OUTAGE_PAGE_KEY = web.AppKey("outage_page", OutagePageSource)


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M") if moment else ""


@page("dispatch", "supervisor")
async def outages_page(request: web.Request) -> web.Response:
    return await _show(request)


async def _show(request: web.Request, problem: str = "", status: int = 200,
                audio: dict[str, str] | None = None) -> web.Response:
    source = request.app[OUTAGE_PAGE_KEY]
    services, tz, now = source.services, source.timezone, datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for o in await services.outages.list():
        if o.status == OutageStatus.RESTORED and o.restored_at and (now - o.restored_at).days > 2:
            continue  # the page is for what is happening; the API lists every outage
        customers, calls = await services.figures.outage_reach(o, now)
        callers = await services.figures.outage_callers(o, now, limit=10)
        rows.append({
            "o": o, "customers": customers, "calls": calls,
            "starts": _local(o.starts_at, tz), "eta": _local(o.restore_eta, tz),
            # dispatch sees who called, not their personal data
            "callers": [(mask_account(a), n[:1] + "*" * (len(n) - 1), c) for a, n, c in callers],
        })
    extra = (await announcements.section(services, tz, request.query.get("draft"))
             if source.board is not None else {})
    return render(request, "outages.html", {
        "heading": "outages", "rows": rows, "kinds": [k.value for k in OutageKind],
        "problem": problem, "with_announcements": source.board is not None,
        "audio": audio or {}, **extra,
    }, status=status)


@page("dispatch", "supervisor")
async def post_announcement(request: web.Request) -> web.Response:
    source = request.app[OUTAGE_PAGE_KEY]
    if source.board is None:
        raise web.HTTPNotFound()
    try:
        audio = await announcements.switch_on(request, source.services, source.timezone,
                                              source.board)
    except ValidationError as exc:
        return await _show(request, problem=str(exc), status=400)
    if any(v != "ok" for v in audio.values()):  # created, but callers will not hear it
        return await _show(request, problem="audio unfit: " + "; ".join(
            f"{k}: {v}" for k, v in audio.items() if v != "ok"), status=422, audio=audio)
    raise web.HTTPSeeOther("/outages#announcements")


@page("dispatch", "supervisor")
async def end_announcement(request: web.Request) -> web.Response:
    try:
        await announcements.end(request, request.app[OUTAGE_PAGE_KEY].services)
    except NotFound as exc:
        return await _show(request, problem=str(exc), status=404)
    raise web.HTTPSeeOther("/outages#announcements")


@page("dispatch", "supervisor")
async def save_outage(request: web.Request) -> web.Response:
    source = request.app[OUTAGE_PAGE_KEY]
    form = FormFields(await request.post(), source.timezone)
    field, when = form.text, form.when

    try:
        starts = when("starts_at")
        if starts is None:
            raise ValidationError("starts_at", "required")
        data = validate_outage(OutageInput(
            id=field("id"), kind=field("kind"), starts_at=starts, restore_eta=when("restore_eta"),
            status=OutageStatus.ACTIVE if starts <= datetime.now(UTC) else OutageStatus.SCHEDULED,
            areas=form.items("areas"),
            transformers=[t.strip() for t in field("transformers").split(",") if t.strip()],
            cause=field("cause"),
        ))
        await source.services.outages.upsert(data)
    except ValidationError as exc:
        return await _show(request, problem=str(exc), status=400)
    raise web.HTTPSeeOther("/outages")


@page("dispatch", "supervisor")
async def restore_outage(request: web.Request) -> web.Response:
    try:
        await request.app[OUTAGE_PAGE_KEY].services.outages.restore(request.match_info["id"])
    except NotFound as exc:
        return await _show(request, problem=str(exc), status=404)
    raise web.HTTPSeeOther("/outages")


def add_routes(app: web.Application, source: OutagePageSource) -> None:
    app[OUTAGE_PAGE_KEY] = source
    app.router.add_get("/outages", outages_page)
    app.router.add_post("/outages", save_outage)
    app.router.add_post("/outages/{id}/restore", restore_outage)
    app.router.add_post("/outages/announcements", post_announcement)
    app.router.add_post("/outages/announcements/{id}/end", end_announcement)
