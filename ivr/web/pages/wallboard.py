"""The supervisors' live wallboard: the figures of the hotline now, pushed over a WebSocket
whenever the PBX reports a change (and every few seconds for the clock and the database);
the pushing is in `wallboard_hub`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import WSMsgType, web

from ivr.asterisk_names import QUEUES
from ivr.services.figures import CallFigures
from ivr.services.hotline_services import HotlineServices
from ivr.services.pbx import LivePbx
from ivr.services.queue_records import ServiceLevelReport
from ivr.web.pages.charts import SCRIPTS, bars
from ivr.web.pages.common import render
from ivr.web.pages.i18n import translate
from ivr.web.pages.wallboard_hub import WallboardHub
from ivr.web.sessions import SESSION_KEY, page


@dataclass(frozen=True)
class Alarms:
    three_rings_pct: float = 80.0  # today's share within three rings below this: alarm
    wait_seconds: float = 60.0  # a caller waiting longer than this in a queue: alarm
    area_calls_per_minute: int = 20  # calls about one area within a minute: alarm and a draft


@dataclass(frozen=True)
class WallboardSource:
    services: HotlineServices
    pbx: LivePbx | None
    live_calls: Callable[[], int]
    timezone: ZoneInfo
    alarms: Alarms
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


WALLBOARD_KEY = web.AppKey("wallboard", WallboardSource)
HUB_KEY = web.AppKey("wallboard_hub", WallboardHub["DbFigures"])


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def hot_areas(source: WallboardSource, now: datetime) -> list[dict[str, Any]]:
    """Areas whose calls in the last minute reached the alarm threshold, busiest first."""
    limit = source.alarms.area_calls_per_minute
    counts = source.services.announcements.rate.per_minute(now)
    return [{"area": area, "calls": calls,
             "draft": f"/api/announcements/draft?area={quote(area)}",
             "page": f"/outages?draft={quote(area)}#announcements"}
            for area, calls in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if calls >= limit]


@dataclass(frozen=True)
class DbFigures:
    """Today's figures from the database: they change slowly, so they are read on a timer and
    shared, never per PBX event."""
    level: ServiceLevelReport
    calls: CallFigures
    overdue: int
    active_outages: int


async def db_figures(source: WallboardSource, now: datetime) -> DbFigures:
    midnight = datetime.combine(now.astimezone(source.timezone).date(), time(), source.timezone)
    services = source.services
    return DbFigures(
        level=await services.queue_stats.service_level(midnight, now),
        calls=await services.figures.calls(midnight, now, source.timezone),
        overdue=await services.tickets.count_overdue(now),
        active_outages=await services.figures.active_outages(),
    )


def build(source: WallboardSource, language: str, db: DbFigures, now: datetime) -> dict[str, Any]:
    """Everything the wall shows, as JSON, from the PBX's state now and `db` (no I/O)."""
    level, calls = db.level, db.calls
    queues: list[dict[str, Any]] = []
    agents: Counter[str] = Counter()
    agent_rows: list[dict[str, Any]] = []
    pbx_up = source.pbx is not None and source.pbx.is_up
    if source.pbx is not None:
        for q in source.pbx.queue_views(QUEUES):
            wait = q.longest_wait
            queues.append({
                "name": q.name, "waiting": len(q.waiting), "members": q.members,
                "available": q.available, "longest_wait": round(wait) if wait else 0,
                "alarm": wait is not None and wait > source.alarms.wait_seconds,
            })
        for a in source.pbx.agent_views():
            agents[a.status.value] += 1
            agent_rows.append({"name": a.name, "status": a.status.value,
                               "reason": a.paused_reason})
    agent_pct = level.overall.within_three_rings_pct
    ivr_pct = _pct(level.picked_up_within_three_rings, level.inbound_calls)
    limit = source.alarms.three_rings_pct
    alarms = [
        f"{translate(language, key)} {pct}% < {limit}%"
        for key, pct in (("ivr_three_rings", ivr_pct), ("agent_three_rings", agent_pct))
        if pct is not None and pct < limit
    ] + [
        f"{translate(language, 'queue')} {q['name']}: {translate(language, 'longest_wait')} "
        f"{q['longest_wait']}"
        for q in queues
        if q["alarm"]
    ]
    busy_areas = hot_areas(source, now)
    alarms += [f"{translate(language, 'area_calls')} {a['area']}: {a['calls']}/min"
               for a in busy_areas]
    return {
        "at": now.astimezone(source.timezone).strftime("%H:%M:%S"),
        "pbx_up": pbx_up,
        "ivr_calls": source.live_calls(),
        "waiting": sum(q["waiting"] for q in queues),
        "longest_wait": max((q["longest_wait"] for q in queues), default=0),
        "queues": queues,
        "agents": dict(sorted(agents.items())),
        "agent_rows": agent_rows,
        "ivr_three_rings_pct": ivr_pct,
        "agent_three_rings_pct": agent_pct,
        "self_service_pct": calls.self_service_pct,
        "calls_today": calls.calls,
        "abandoned": level.overall.abandoned,
        "active_outages": db.active_outages,
        "overdue": db.overdue,
        "alarms": alarms,
        # each with the draft announcement from the area's outage, for a supervisor to post
        "area_alarms": busy_areas,
        "chart": bars(
            [q["name"] for q in queues],
            [(translate(language, "waiting"), [q["waiting"] for q in queues])],
            title=translate(language, "waiting"),
        ),
    }


async def snapshot(source: WallboardSource, language: str) -> dict[str, Any]:
    """The wall now with fresh database figures; the first page is rendered from it."""
    now = source.clock()
    return build(source, language, await db_figures(source, now), now)


@page("supervisor")
async def wallboard(request: web.Request) -> web.Response:
    session = request[SESSION_KEY]
    data = await snapshot(request.app[WALLBOARD_KEY], session.language.value)
    return render(request, "wallboard.html", {"heading": "wallboard", "w": data,
                                              "body_class": "wall", "chart_scripts": SCRIPTS})


@page("supervisor")
async def wallboard_feed(request: web.Request) -> web.WebSocketResponse:
    hub, session = request.app[HUB_KEY], request[SESSION_KEY]
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    hub.join(ws, session.language.value)
    try:
        async for message in ws:  # the page sends nothing; this ends when it goes away
            if message.type == WSMsgType.ERROR:
                break
    finally:
        hub.leave(ws)
    return ws


def add_routes(app: web.Application, source: WallboardSource) -> None:
    app[WALLBOARD_KEY] = source
    hub = app[HUB_KEY] = WallboardHub(
        source.pbx, source.clock,
        lambda now: db_figures(source, now),
        lambda language, db, now: build(source, language, db, now))

    async def stop(_: web.Application) -> None:
        await hub.stop()

    app.on_cleanup.append(stop)
    app.router.add_get("/wallboard", wallboard)
    app.router.add_get("/wallboard/feed", wallboard_feed)
