"""The aiohttp application: REST API under /api, every route with its access rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import text

from ivr.ami.service import AmiService
from ivr.db.session import Database
from ivr.flow.registry import FlowRegistry
from ivr.services.agents import Agents
from ivr.services.calls import CallLog
from ivr.services.outages import Outages
from ivr.services.queue_stats import QueueStats
from ivr.services.tickets import Tickets
from ivr.services.tokens import Tokens
from ivr.web import routes_outages, routes_queues, routes_tickets
from ivr.web.auth import PUBLIC, TOKENS_KEY, allow, auth_middleware, error
from ivr.web.encode import respond


@dataclass(frozen=True)
class HealthSource:
    """What /api/health reports, handed in so the web layer never reaches into the call layer."""

    db: Database
    flows: FlowRegistry
    live_calls: Callable[[], int]
    ami_up: Callable[[], bool | None] = lambda: None  # None: AMI not configured
    loop_lag_ms: Callable[[], float | None] = lambda: None  # worst event-loop lag of late


HEALTH_KEY = web.AppKey("health", HealthSource)
CALLS_KEY = web.AppKey("calls", CallLog)


@allow(PUBLIC)
async def get_health(request: web.Request) -> web.Response:
    source = request.app[HEALTH_KEY]
    try:
        async with source.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        database = "up"
    except Exception as exc:
        database = f"down: {type(exc).__name__}"
    flows_error = source.flows.last_error
    body = {
        # Flow problems degrade the status but not the code: the running flows still serve.
        "status": "ok" if database == "up" and flows_error is None else "degraded",
        "database": database,
        "flows_version": source.flows.current().version,
        "flows_reload_problems": [str(p) for p in flows_error.problems] if flows_error else [],
        "live_calls": source.live_calls(),
        "loop_lag_ms": source.loop_lag_ms(),
        "ami": {None: "not configured", True: "up", False: "down"}[source.ami_up()],
    }
    return respond(body, status=200 if database == "up" else 503)


@allow("agent", "supervisor")
async def get_call(request: web.Request) -> web.Response:
    record = await request.app[CALLS_KEY].get(request.match_info["uniqueid"])
    if record is None:
        return error(404, f"no call {request.match_info['uniqueid']!r}")
    return respond(record)


def create_web_app(
    *,
    db: Database,
    health: HealthSource,
    timezone: str,
    ami: AmiService | None = None,
    ring_seconds: float = 5.0,
    outages: Outages | None = None,
) -> web.Application:
    """`outages`: the instance calls use, so a dispatch update clears its cache at once."""
    app = web.Application(middlewares=[auth_middleware], client_max_size=1024 * 1024)
    app[TOKENS_KEY] = Tokens(db)
    app[HEALTH_KEY] = health
    app[CALLS_KEY] = CallLog(db)
    app.router.add_get("/api/health", get_health)
    app.router.add_get("/api/calls/{uniqueid}", get_call)
    routes_tickets.add_routes(app, Tickets(db, timezone))
    routes_outages.add_routes(app, outages or Outages(db))
    stats = QueueStats(db, threshold=3 * ring_seconds)
    routes_queues.add_routes(app, routes_queues.QueueApi(stats, Agents(db), ami))
    return app
