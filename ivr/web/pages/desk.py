"""The agent desk: the screen pop the moment a queue call rings the agent, the work order and
wrap-up from the pop, and the agent's own log-in, pause and log-out of their queues.

An agent's user name is their agent code (`A001`), as for their API token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import WSMsgType, web

from ivr.db.enums import TicketType
from ivr.services.errors import ValidationError
from ivr.services.hotline_services import HotlineServices
from ivr.services.pbx import (
    AgentDataError,
    AgentNotLoggedIn,
    LivePbx,
    PbxEvent,
    PbxRefused,
    PbxUnavailable,
)
from ivr.services.wrapups import WRAPUP_CODES
from ivr.web.pages.common import render
from ivr.web.pages.screen_pop import build_pop
from ivr.web.sessions import SESSION_KEY, page

log = logging.getLogger(__name__)
POP_EVENTS = {"agentcalled", "agentconnect"}


@dataclass(frozen=True)
class DeskSource:
    services: HotlineServices
    pbx: LivePbx | None
    timezone: ZoneInfo


DESK_KEY = web.AppKey("desk", DeskSource)


def _pbx(request: web.Request) -> LivePbx | None:
    return request.app[DESK_KEY].pbx


@page("agent")
async def desk(request: web.Request) -> web.Response:
    session, pbx = request[SESSION_KEY], _pbx(request)
    me = None
    if pbx is not None and pbx.is_up:
        me = next((a for a in pbx.agent_views() if a.name == session.user), None)
    return render(request, "desk.html", {
        "heading": "desk", "me": me, "pbx_up": pbx is not None and pbx.is_up,
        "ticket_types": [t.value for t in TicketType], "wrapup_codes": WRAPUP_CODES,
        "problem": request.query.get("problem", ""),
    })


@page("agent")
async def desk_feed(request: web.Request) -> web.WebSocketResponse:
    services, pbx, me = request.app[DESK_KEY].services, _pbx(request), request[SESSION_KEY].user
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    queue: asyncio.Queue[PbxEvent] = asyncio.Queue()

    def on_event(event: PbxEvent) -> None:
        if event.agent == me and event.kind in (*POP_EVENTS, "agentcomplete"):
            queue.put_nowait(event)

    unsubscribe = pbx.subscribe(on_event) if pbx is not None else None

    async def push() -> None:
        shown = ""
        while True:
            event = await queue.get()
            if event.kind == "agentcomplete":
                await ws.send_json({"type": "ended", "uniqueid": event.uniqueid})
                continue
            if event.uniqueid == shown and event.kind == "agentconnect":
                await ws.send_json({"type": "connected", "uniqueid": event.uniqueid})
                continue
            shown = event.uniqueid
            await ws.send_json(await build_pop(services, event.uniqueid, event.caller))

    pusher = asyncio.create_task(push())
    try:
        async for message in ws:
            if message.type == WSMsgType.ERROR:
                break
    finally:
        pusher.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await pusher
        if unsubscribe is not None:
            unsubscribe()
    return ws


@page("agent")
async def agent_action(request: web.Request) -> web.Response:
    """Log in to, pause in (with a reason), unpause in or log out of the agent's queues."""
    services, pbx, me = request.app[DESK_KEY].services, _pbx(request), request[SESSION_KEY].user
    form = await request.post()
    action = request.match_info["action"]
    agent = await services.agents.get(me)
    problem = ""
    if agent is None:
        problem = f"no agent {me!r}"
    elif pbx is None:
        problem = "AMI is not configured"
    else:
        try:
            if action == "login":
                await pbx.log_in(agent)
            elif action == "logout":
                await pbx.log_out(agent)
            else:
                reason = str(form.get("reason", "")).strip()[:100]
                await pbx.set_paused(agent, action == "pause", reason)
        except (PbxUnavailable, PbxRefused, AgentNotLoggedIn, AgentDataError) as exc:
            problem = str(exc) or type(exc).__name__
    raise web.HTTPSeeOther("/desk" + (f"?problem={quote(problem)}" if problem else ""))


async def _json_form(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="a JSON body expected") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object expected")
    return body


@page("agent")
async def new_ticket(request: web.Request) -> web.Response:
    """A work order from the pop (the same service as `POST /api/tickets`), owned by the agent."""
    services, me = request.app[DESK_KEY].services, request[SESSION_KEY].user
    body = await _json_form(request)
    call = str(body.get("uniqueid") or "") or None
    record = await services.calls.get(call) if call else None
    try:
        ticket = await services.tickets.open(
            str(body.get("type", "")),
            account=record.account if record else None,
            caller=record.caller if record else (str(body.get("caller") or "") or None),
            description=str(body.get("description", "")),
            call_uniqueid=call, by=me, owner=me,
        )
    except ValidationError as exc:
        return web.json_response({"error": str(exc), "field": exc.field}, status=400)
    return web.json_response({"number": ticket.number}, status=201)


@page("agent")
async def wrapup(request: web.Request) -> web.Response:
    services, me = request.app[DESK_KEY].services, request[SESSION_KEY].user
    body = await _json_form(request)
    when = None
    if body.get("callback_at"):
        try:
            when = datetime.fromisoformat(str(body["callback_at"]))
        except ValueError:
            return web.json_response({"error": "a date and time", "field": "callback_at"},
                                     status=400)
        if when.tzinfo is None:
            when = when.replace(tzinfo=request.app[DESK_KEY].timezone)
    try:
        saved = await services.wrapups.record(
            str(body.get("uniqueid", "")), me, str(body.get("code", "")),
            str(body.get("note", "")), str(body.get("callback_number") or "") or None, when,
        )
    except ValidationError as exc:
        return web.json_response({"error": str(exc), "field": exc.field}, status=400)
    return web.json_response({"code": saved.code, "callback_at": str(saved.callback_at or "")},
                             status=201)


def add_routes(app: web.Application, source: DeskSource) -> None:
    app[DESK_KEY] = source
    app.router.add_get("/desk", desk)
    app.router.add_get("/desk/feed", desk_feed)
    app.router.add_post("/desk/agent/{action:login|logout|pause|unpause}", agent_action)
    app.router.add_post("/desk/tickets", new_ticket)
    app.router.add_post("/desk/wrapup", wrapup)
