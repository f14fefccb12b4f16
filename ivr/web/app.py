"""The aiohttp application: REST API under /api, every route with its access rule."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from ivr.flow.announcements import AnnouncementBoard
from ivr.flow.registry import FlowRegistry
from ivr.services.calls import CallLog
from ivr.services.hotline_services import HotlineServices
from ivr.services.pbx import LivePbx
from ivr.web import (
    metrics,
    openapi,
    routes_announcements,
    routes_calendar,
    routes_campaigns,
    routes_outages,
    routes_queues,
    routes_surveys,
    routes_tickets,
)
from ivr.web.auth import PUBLIC, TOKENS_KEY, allow, auth_middleware, error
from ivr.web.encode import respond
from ivr.web.pages import Alarms, FlowPagesSource, add_pages


@dataclass(frozen=True)
class HealthSource:
    """What /api/health reports, handed in so the web layer never reaches into the call layer."""

    database: Callable[[], Awaitable[str]]  # "up" or "down: <error type>"
    flows: FlowRegistry
    live_calls: Callable[[], int]
    ami_up: Callable[[], bool | None] = lambda: None  # None: AMI not configured
    prompts_failed: Callable[[], list[str]] = list  # prompts that could not be rendered
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # tests move it to 1 December
    loop_lag_ms: Callable[[], float | None] = lambda: None  # worst event-loop lag of late
    db_statements: Callable[[], int] = lambda: 0  # SQL statements sent since the start


HEALTH_KEY = web.AppKey("health", HealthSource)
CALLS_KEY = web.AppKey("calls", CallLog)
TZ_KEY = web.AppKey("timezone", ZoneInfo)


@allow(PUBLIC)
async def get_health(request: web.Request) -> web.Response:
    source = request.app[HEALTH_KEY]
    database = await source.database()
    flows_error = source.flows.last_error
    warnings = []
    if database == "up":
        today = source.clock().astimezone(request.app[TZ_KEY]).date()
        calendar = request.app[routes_calendar.CALENDAR_KEY]
        calendar_warning = await calendar.missing_schedule_warning(today)
        warnings += [calendar_warning] if calendar_warning else []
    body = {
        # Flow problems degrade the status but not the code: the running flows still serve.
        "status": "ok" if database == "up" and flows_error is None else "degraded",
        "database": database,
        "flows_version": source.flows.current().version,
        "flows_reload_problems": [str(p) for p in flows_error.problems] if flows_error else [],
        "live_calls": source.live_calls(),
        "loop_lag_ms": source.loop_lag_ms(),
        "database_statements": source.db_statements(),
        "ami": {None: "not configured", True: "up", False: "down"}[source.ami_up()],
        "prompts_failed": source.prompts_failed(),
        "warnings": warnings,
    }
    return respond(body, status=200 if database == "up" else 503)


@allow("agent", "supervisor")
async def get_call(request: web.Request) -> web.Response:
    record = await request.app[CALLS_KEY].get(request.match_info["uniqueid"])
    if record is None:
        return error(404, f"no call {request.match_info['uniqueid']!r}")
    return respond(record)


def create_web_app(
    services: HotlineServices,
    *,
    health: HealthSource,
    timezone: str,
    pbx: LivePbx | None = None,
    alarms: Alarms | None = None,
    flow_pages: FlowPagesSource | None = None,
    announcements: AnnouncementBoard | None = None,
) -> web.Application:
    """`pbx`: live queue state and agent control (None: AMI not configured). `flow_pages`: the
    flows' history, editing and simulator (None: no flows pages)."""
    app = web.Application(middlewares=[auth_middleware], client_max_size=1024 * 1024)
    app[TOKENS_KEY] = services.tokens
    app[HEALTH_KEY] = health
    app[CALLS_KEY] = services.calls
    app.router.add_get("/api/health", get_health)
    app.router.add_get("/api/calls/{uniqueid}", get_call)
    app[TZ_KEY] = ZoneInfo(timezone)
    routes_tickets.add_routes(app, services.tickets, services.voice_messages)
    routes_calendar.add_routes(app, services.tickets)
    routes_outages.add_routes(app, services.outages)
    routes_surveys.add_routes(app, services.surveys)
    routes_campaigns.add_routes(app, services.campaigns, services.do_not_call)
    if announcements is not None:  # audio is rendered when one is switched on: needs the board
        routes_announcements.add_routes(app, services.announcements, services.outages,
                                        announcements, app[TZ_KEY])
    api = routes_queues.QueueApi(services.queue_stats, services.agents, pbx)
    routes_queues.add_routes(app, api)
    add_pages(app, services, pbx=pbx, live_calls=health.live_calls,
              timezone=app[TZ_KEY], alarms=alarms or Alarms(), flow_pages=flow_pages,
              announcements=announcements)
    metrics.add_routes(app, pbx, health.live_calls, health.prompts_failed)
    openapi.add_routes(app)
    return app
