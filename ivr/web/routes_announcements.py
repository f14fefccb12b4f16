"""Emergency announcements: dispatch or a supervisor switches one on (for areas or everyone,
in every language, with an expiry) and ends it; a draft from an area's active outage.

The audio is rendered and measured in every language when the announcement is switched on: the
answer says what the quality check found, and callers hear only an announcement fit in every
language.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ivr.flow.announcements import AnnouncementBoard
from ivr.services.announcements import (
    AnnouncementInfo,
    AnnouncementInput,
    Announcements,
    draft_from_outage,
)
from ivr.services.errors import Conflict, NotFound, ValidationError
from ivr.services.outages import Outages
from ivr.web.auth import PRINCIPAL_KEY, allow, error
from ivr.web.encode import respond
from ivr.web.requests import parse_moment, read_json

BOARD_KEY = web.AppKey("announcement_board", AnnouncementBoard)
ANNOUNCEMENTS_KEY = web.AppKey("announcements", Announcements)
DRAFT_OUTAGES_KEY = web.AppKey("announcement_outages", Outages)
DRAFT_TZ_KEY = web.AppKey("announcement_tz", ZoneInfo)
_FIELDS = {"areas", "everyone", "texts", "next_update_at", "expires_at", "outage_id"}


def _view(info: AnnouncementInfo, now: datetime) -> dict[str, Any]:
    return {**asdict(info), "areas": list(info.areas), "everyone": info.everyone,
            "active": info.active(now)}


@allow("dispatch", "supervisor", "agent")
async def list_announcements(request: web.Request) -> web.Response:
    """On now, and those ended or expired within the last seven days, newest first."""
    now = datetime.now(UTC)
    found = await request.app[ANNOUNCEMENTS_KEY].recent(now)
    return respond({"announcements": [_view(a, now) for a in found]})


@allow("dispatch", "supervisor")
async def post_announcement(request: web.Request) -> web.Response:
    """Switch one on: `{"areas": [...]` or `"everyone": true`, `"texts": {"zh-CN": {"what",
    "doing"}, "en-US": {...}}, "expires_at", "next_update_at"?, "outage_id"?}`. 201 with the
    announcement and `audio` (per language: ok, or what the quality check found)."""
    body = await read_json(request)
    now = datetime.now(UTC)
    try:
        data = _input(body)
        info = await request.app[ANNOUNCEMENTS_KEY].create(data, request[PRINCIPAL_KEY].name, now)
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    audio = await request.app[BOARD_KEY].prepare(info)
    return respond({"announcement": _view(info, now), "audio": audio,
                    "offered": all(v == "ok" for v in audio.values())}, status=201)


@allow("dispatch", "supervisor")
async def end_announcement(request: web.Request) -> web.Response:
    """End an announcement now (404 unknown, 409 already ended or expired)."""
    raw = request.match_info["id"]
    if not raw.isdigit() or len(raw) > 12:
        return error(404, f"announcement {raw[:20]!r} not found")
    try:
        info = await request.app[ANNOUNCEMENTS_KEY].end(int(raw), request[PRINCIPAL_KEY].name)
    except NotFound as exc:
        return error(404, f"{exc} not found")
    except Conflict as exc:
        return error(409, str(exc))
    return respond(_view(info, datetime.now(UTC)))


@allow("dispatch", "supervisor")
async def draft_announcement(request: web.Request) -> web.Response:
    """A draft for `?area=` from its active outage (the body to post, for dispatch to correct);
    404 when the area has no active outage."""
    area = request.query.get("area", "").strip()
    if not area or len(area) > 100:
        return error(400, "an area name is required", field="area")
    outages = await request.app[DRAFT_OUTAGES_KEY].list(area=area, status="active")
    if not outages:
        return error(404, f"no active outage in area {area!r} to draft from")
    return respond(draft_from_outage(outages[0], area, datetime.now(UTC),
                                     request.app[DRAFT_TZ_KEY]))


def _input(body: dict[str, Any]) -> AnnouncementInput:
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise ValidationError(unknown[0], f"unknown field (fields: {', '.join(sorted(_FIELDS))})")
    everyone = body.get("everyone", False)
    if not isinstance(everyone, bool):
        raise ValidationError("everyone", "true or false")
    areas = body.get("areas", [])
    if not isinstance(areas, list) or not all(isinstance(a, str) for a in areas):
        raise ValidationError("areas", "a list of area names")
    # Everyone must be asked for, never the result of a forgotten list.
    if everyone == bool(areas):
        raise ValidationError("areas", "give the areas, or everyone: true (not both)")
    texts = body.get("texts")
    if not isinstance(texts, dict):
        raise ValidationError("texts", "required: {language: {what, doing}}")
    expires = body.get("expires_at")
    if not isinstance(expires, str):
        raise ValidationError("expires_at", "required, ISO 8601 with an offset")
    next_update = body.get("next_update_at")
    if next_update is not None and not isinstance(next_update, str):
        raise ValidationError("next_update_at", "ISO 8601 with an offset")
    outage_id = body.get("outage_id")
    if outage_id is not None and (not isinstance(outage_id, str) or len(outage_id) > 64):
        raise ValidationError("outage_id", "an outage id")
    return AnnouncementInput(
        texts=texts, expires_at=parse_moment(expires, "expires_at"), areas=areas,
        next_update_at=parse_moment(next_update, "next_update_at") if next_update else None,
        outage_id=outage_id,
    )


def add_routes(app: web.Application, announcements: Announcements, outages: Outages,
               board: AnnouncementBoard, tz: ZoneInfo) -> None:
    app[ANNOUNCEMENTS_KEY] = announcements
    app[DRAFT_OUTAGES_KEY] = outages
    app[BOARD_KEY] = board
    app[DRAFT_TZ_KEY] = tz
    app.router.add_get("/api/announcements", list_announcements)
    app.router.add_post("/api/announcements", post_announcement)
    app.router.add_get("/api/announcements/draft", draft_announcement)
    app.router.add_post("/api/announcements/{id}/end", end_announcement)
