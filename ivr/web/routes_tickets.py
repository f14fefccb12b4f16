"""Work orders: list, read, close."""

from __future__ import annotations

from aiohttp import web

from ivr.services.errors import NotFound, ValidationError
from ivr.services.tickets import Tickets
from ivr.web.auth import PRINCIPAL_KEY, allow, error
from ivr.web.encode import respond
from ivr.web.requests import read_json

TICKETS_KEY = web.AppKey("tickets", Tickets)


@allow("agent", "supervisor", "survey")
async def list_tickets(request: web.Request) -> web.Response:
    query = request.query
    try:
        tickets = await request.app[TICKETS_KEY].search(
            account=query.get("account") or None,
            type=query.get("type") or None,
            status=query.get("status") or None,
        )
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    return respond({"tickets": tickets})


@allow("agent", "supervisor", "survey")
async def get_ticket(request: web.Request) -> web.Response:
    ticket = await request.app[TICKETS_KEY].get(_ticket_ref(request))
    if ticket is None:
        return error(404, f"no work order {request.match_info['id']!r}")
    return respond(ticket)


@allow("agent", "supervisor")
async def close_ticket(request: web.Request) -> web.Response:
    body = await read_json(request)
    resolution = body.get("resolution")
    if not isinstance(resolution, str):
        return error(400, "a text is required", field="resolution")
    try:
        ticket = await request.app[TICKETS_KEY].close(
            _ticket_ref(request), resolution, by=request[PRINCIPAL_KEY].name
        )
    except NotFound as exc:
        return error(404, str(exc))
    except ValidationError as exc:
        return error(409 if exc.field == "status" else 400, exc.message, field=exc.field)
    return respond(ticket)


def _ticket_ref(request: web.Request) -> str:
    return request.match_info["id"]  # a work order number, or its numeric id


def add_routes(app: web.Application, tickets: Tickets) -> None:
    app[TICKETS_KEY] = tickets
    app.router.add_get("/api/tickets", list_tickets)
    app.router.add_get("/api/tickets/{id}", get_ticket)
    app.router.add_post("/api/tickets/{id}/close", close_ticket)
