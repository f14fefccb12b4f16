"""The supervisors' live wallboard: the figures of the hotline now, pushed over a WebSocket
whenever the PBX reports a change (and every few seconds for the clocks and the database)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import WSMsgType, web

from ivr.asterisk_names import QUEUES
from ivr.services.hotline_services import HotlineServices
from ivr.services.pbx import LivePbx, PbxEvent
from ivr.web.pages.charts import SCRIPTS, bars
from ivr.web.pages.common import render
from ivr.web.pages.i18n import translate
from ivr.web.sessions import SESSION_KEY, page

REFRESH_SECONDS = 3.0


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


async def snapshot(source: WallboardSource, language: str) -> dict[str, Any]:
    """Everything the wall shows, as JSON; the same dict renders the first page."""
    now = source.clock()
    midnight = datetime.combine(now.astimezone(source.timezone).date(), time(), source.timezone)
    services = source.services
    level = await services.queue_stats.service_level(midnight, now)
    calls = await services.figures.calls(midnight, now, source.timezone)
    overdue = await services.tickets.count_overdue(now)
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
        "active_outages": await services.figures.active_outages(),
        "overdue": overdue,
        "alarms": alarms,
        # each with the draft announcement from the area's outage, for a supervisor to post
        "area_alarms": busy_areas,
        "chart": bars(
            [q["name"] for q in queues],
            [(translate(language, "waiting"), [q["waiting"] for q in queues])],
            title=translate(language, "waiting"),
        ),
    }


@page("supervisor")
async def wallboard(request: web.Request) -> web.Response:
    session = request[SESSION_KEY]
    data = await snapshot(request.app[WALLBOARD_KEY], session.language.value)
    return render(request, "wallboard.html", {"heading": "wallboard", "w": data,
                                              "body_class": "wall", "chart_scripts": SCRIPTS})


@page("supervisor")
async def wallboard_feed(request: web.Request) -> web.WebSocketResponse:
    source, session = request.app[WALLBOARD_KEY], request[SESSION_KEY]
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    changed = asyncio.Event()

    def on_event(event: PbxEvent) -> None:
        changed.set()

    unsubscribe = source.pbx.subscribe(on_event) if source.pbx is not None else None

    async def push() -> None:
        while True:
            await ws.send_json(await snapshot(source, session.language.value))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), REFRESH_SECONDS)
            await asyncio.sleep(0.2)  # one push for a burst of events
            changed.clear()

    pusher = asyncio.create_task(push())
    try:
        async for message in ws:  # the page sends nothing; this ends when it goes away
            if message.type == WSMsgType.ERROR:
                break
    finally:
        pusher.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await pusher
        if unsubscribe is not None:
            unsubscribe()
    return ws


def add_routes(app: web.Application, source: WallboardSource) -> None:
    app[WALLBOARD_KEY] = source
    app.router.add_get("/wallboard", wallboard)
    app.router.add_get("/wallboard/feed", wallboard_feed)
