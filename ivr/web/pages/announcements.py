"""The announcements section of dispatch's outage page: switch one on (for areas or everyone,
both languages, an expiry), prefilled from an area's outage when the wallboard's busy-area alarm
links here (`/outages?draft=AREA`), and end one. The same service and audio check as the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ivr.flow.announcements import AnnouncementBoard
from ivr.services.announcements import AnnouncementInput, draft_from_outage
from ivr.services.errors import Conflict, NotFound, ValidationError
from ivr.services.hotline_services import HotlineServices
from ivr.web.pages.common import FormFields
from ivr.web.sessions import SESSION_KEY

_LOCAL = "%Y-%m-%dT%H:%M"


async def section(services: HotlineServices, tz: ZoneInfo,
                  draft_area: str | None) -> dict[str, Any]:
    """What the section shows: the announcements on now and the form's values."""
    now = datetime.now(UTC)
    active = await services.announcements.recent(now)
    form: dict[str, Any] = {}
    if draft_area:
        outages = await services.outages.list(area=draft_area[:100], status="active")
        if outages:
            draft = draft_from_outage(outages[0], draft_area[:100], now, tz)
            form = {
                "areas": ", ".join(draft["areas"]), "outage_id": draft["outage_id"],
                "texts": draft["texts"],
                "next_update": datetime.fromisoformat(draft["next_update_at"]).astimezone(tz)
                .strftime(_LOCAL),
                "expires": datetime.fromisoformat(draft["expires_at"]).astimezone(tz)
                .strftime(_LOCAL),
            }
    shown = [{"id": a.id, "everyone": a.everyone, "areas": a.areas,
              "what": a.texts["zh-CN"]["what"],
              "expires": a.expires_at.astimezone(tz).strftime("%m-%d %H:%M")}
             for a in active if a.active(now)]
    return {"announcements": shown, "draft": form}


async def switch_on(request: web.Request, services: HotlineServices, tz: ZoneInfo,
                    board: AnnouncementBoard) -> dict[str, str]:
    """Create from the posted form; returns the audio check per language."""
    form = FormFields(await request.post(), tz)
    field, when = form.text, form.when

    everyone = field("everyone") == "yes"
    areas = form.items("areas")
    if everyone == bool(areas):
        raise ValidationError("areas", "give the areas, or tick everyone (not both)")
    expires = when("expires_at")
    if expires is None:
        raise ValidationError("expires_at", "required")
    data = AnnouncementInput(
        texts={lang: {"what": field(f"what_{lang}"), "doing": field(f"doing_{lang}")}
               for lang in ("zh-CN", "en-US")},
        expires_at=expires, areas=areas, next_update_at=when("next_update_at"),
        outage_id=field("outage_id") or None)
    info = await services.announcements.create(data, request[SESSION_KEY].user)
    return await board.prepare(info)


async def end(request: web.Request, services: HotlineServices) -> None:
    raw = request.match_info["id"]
    if not raw.isdigit() or len(raw) > 12:
        raise NotFound(f"announcement {raw[:20]!r}")
    try:
        await services.announcements.end(int(raw), request[SESSION_KEY].user)
    except Conflict as exc:
        raise NotFound(str(exc)) from None
