"""Queues and agents: live state from AMI, service levels from the stored records, and agents
logging in and out of their queues and pausing.

Live state and agent actions need AMI; without it (IVR_AMI_URL unset, or the link down) they
answer 503 with a message saying which. Stored service levels do not need it.

Who may act on an agent: a supervisor on anyone; an agent on themself only, the token's name
being the agent's code (`ivr token create --role agent --name A001`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from ivr.asterisk_names import QUEUES
from ivr.db.enums import Role
from ivr.services.agents import AgentInfo, Agents
from ivr.services.errors import ValidationError
from ivr.services.pbx import (
    AgentDataError,
    AgentNotLoggedIn,
    LivePbx,
    PbxRefused,
    PbxUnavailable,
)
from ivr.services.queue_records import ServiceLevel
from ivr.services.queue_stats import QueueStats
from ivr.web.auth import PRINCIPAL_KEY, allow, error
from ivr.web.encode import respond
from ivr.web.requests import parse_moment, read_json

REASON_MAX = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class QueueApi:
    stats: QueueStats
    agents: Agents
    pbx: LivePbx | None  # None: AMI not configured


QUEUE_API_KEY = web.AppKey("queue_api", QueueApi)
_Action = Callable[[LivePbx, AgentInfo], Awaitable[dict[str, object]]]


class _Unavailable(Exception):
    pass


def _live(request: web.Request) -> LivePbx:
    pbx = request.app[QUEUE_API_KEY].pbx
    if pbx is None:
        raise _Unavailable("AMI is not configured (set IVR_AMI_URL): no live queue state")
    if not pbx.is_up:
        raise _Unavailable("the AMI link to Asterisk is down: live queue state is unavailable")
    return pbx


@allow("agent", "supervisor")
async def get_queues(request: web.Request) -> web.Response:
    try:
        pbx = _live(request)
    except _Unavailable as exc:
        return error(503, str(exc))
    return respond({"queues": pbx.queue_views(QUEUES)})


@allow("agent", "supervisor")
async def get_agents(request: web.Request) -> web.Response:
    try:
        pbx = _live(request)
    except _Unavailable as exc:
        return error(503, str(exc))
    return respond({"agents": pbx.agent_views()})


@allow("supervisor")
async def get_service_level(request: web.Request) -> web.Response:
    """`?from=&to=`: ISO 8601 with a UTC offset; legs that joined a queue in `[from, to)`."""
    try:
        since = _moment(request, "from")
        until = _moment(request, "to")
        report = await request.app[QUEUE_API_KEY].stats.service_level(since, until)
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    inbound = report.inbound_calls
    return respond(
        {
            "from": since,
            "to": until,
            "threshold_seconds": report.threshold,
            "queues": [_level(level) for level in report.queues.values()],
            "overall": _level(report.overall),
            "ivr_pickup": {
                "calls": inbound,
                "within_three_rings": report.picked_up_within_three_rings,
                "within_three_rings_pct": round(
                    100 * report.picked_up_within_three_rings / inbound, 2
                )
                if inbound
                else None,
            },
        }
    )


@allow("agent", "supervisor")
async def post_login(request: web.Request) -> web.Response:
    async def act(pbx: LivePbx, agent: AgentInfo) -> dict[str, object]:
        done = await pbx.log_in(agent)
        return {"queues": [{"queue": m.queue, "penalty": m.penalty} for m in done]}

    return await _agent_action(request, act)


@allow("agent", "supervisor")
async def post_logout(request: web.Request) -> web.Response:
    async def act(pbx: LivePbx, agent: AgentInfo) -> dict[str, object]:
        removed = await pbx.log_out(agent)
        return {"removed_from": removed}

    return await _agent_action(request, act)


@allow("agent", "supervisor")
async def post_pause(request: web.Request) -> web.Response:
    body = await read_json(request) if request.can_read_body else {}
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > REASON_MAX or _CONTROL.search(reason):
        return error(400, f"a text of at most {REASON_MAX} characters on one line", field="reason")

    async def act(pbx: LivePbx, agent: AgentInfo) -> dict[str, object]:
        await pbx.set_paused(agent, True, reason.strip())
        return {"paused": True, "reason": reason.strip()}

    return await _agent_action(request, act)


@allow("agent", "supervisor")
async def post_unpause(request: web.Request) -> web.Response:
    async def act(pbx: LivePbx, agent: AgentInfo) -> dict[str, object]:
        await pbx.set_paused(agent, False)
        return {"paused": False}

    return await _agent_action(request, act)


async def _agent_action(request: web.Request, act: _Action) -> web.Response:
    code = request.match_info["agent"]
    principal = request[PRINCIPAL_KEY]
    if principal.role == Role.AGENT and principal.name != code:
        return error(403, f"an agent may act on themself only (this token is {principal.name!r})")
    api = request.app[QUEUE_API_KEY]
    info = await api.agents.get(code)
    if info is None:
        return error(404, f"no agent {code!r} (import the agents file)")
    try:
        pbx = _live(request)
    except _Unavailable as exc:
        return error(503, str(exc))
    try:
        result = await act(pbx, info)
    except AgentDataError as exc:
        return error(409, f"agent {code}: {exc}")
    except AgentNotLoggedIn as exc:
        return error(409, str(exc))
    except PbxRefused as exc:
        return error(502, f"Asterisk refused {exc.action}: {exc.message}")
    except PbxUnavailable:
        return error(503, "the AMI link to Asterisk was lost: try again")
    return respond({"agent": code, **result})


def _moment(request: web.Request, name: str) -> datetime:
    raw = request.query.get(name, "")
    if not raw:
        raise ValidationError(name, "required: an ISO 8601 date and time with a UTC offset")
    return parse_moment(raw, name)


def _level(level: ServiceLevel) -> dict[str, object]:
    return {
        "queue": level.queue or None,
        "offered": level.offered,
        "answered": level.answered,
        "answered_within_three_rings": level.answered_within_three_rings,
        "answered_within_three_rings_pct": level.within_three_rings_pct,
        "abandoned": level.abandoned,
        "average_wait_seconds": level.average_wait,
        "p90_wait_seconds": level.p90_wait,
    }


def add_routes(app: web.Application, api: QueueApi) -> None:
    app[QUEUE_API_KEY] = api
    app.router.add_get("/api/queues", get_queues)
    app.router.add_get("/api/agents", get_agents)
    app.router.add_get("/api/stats/service-level", get_service_level)
    app.router.add_post("/api/agents/{agent}/login", post_login)
    app.router.add_post("/api/agents/{agent}/logout", post_logout)
    app.router.add_post("/api/agents/{agent}/pause", post_pause)
    app.router.add_post("/api/agents/{agent}/unpause", post_unpause)
