"""Work orders: list, read, close; the callers' voice messages kept with them."""

from __future__ import annotations

import dataclasses

from aiohttp import web

from ivr.services.errors import NotFound, ValidationError
from ivr.services.tickets import TicketInfo, Tickets
from ivr.services.voice_messages import VoiceMessages
from ivr.web.auth import PRINCIPAL_KEY, allow, error
from ivr.web.encode import respond
from ivr.web.requests import read_json

TICKETS_KEY = web.AppKey("tickets", Tickets)
VOICE_MESSAGES_KEY = web.AppKey("voice_messages", VoiceMessages)


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
    recordings = await request.app[VOICE_MESSAGES_KEY].for_ticket(ticket.id) or []
    return respond({**_fields(ticket), "recordings": recordings})


@allow("agent", "supervisor")
async def list_recordings(request: web.Request) -> web.Response:
    recordings = await request.app[VOICE_MESSAGES_KEY].for_ticket(_ticket_ref(request))
    if recordings is None:
        return error(404, f"no work order {request.match_info['id']!r}")
    return respond({"recordings": recordings})


@allow("agent", "supervisor")
async def get_recording(request: web.Request) -> web.StreamResponse:
    raw = request.match_info["recording"]
    if not (raw.isascii() and raw.isdigit()):
        return error(404, f"no recording {raw!r}")
    path = await request.app[VOICE_MESSAGES_KEY].audio(_ticket_ref(request), int(raw))
    if path is None:
        return error(404, f"no recording {raw!r} of work order {request.match_info['id']!r}")
    return web.FileResponse(path, headers={"Content-Type": "audio/wav",
                                           "Cache-Control": "no-store"})


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


def _fields(ticket: TicketInfo) -> dict[str, object]:
    return {f.name: getattr(ticket, f.name) for f in dataclasses.fields(ticket)}


def _ticket_ref(request: web.Request) -> str:
    return request.match_info["id"]  # a work order number, or its numeric id


def add_routes(app: web.Application, tickets: Tickets, voice_messages: VoiceMessages) -> None:
    app[TICKETS_KEY] = tickets
    app[VOICE_MESSAGES_KEY] = voice_messages
    app.router.add_get("/api/tickets", list_tickets)
    app.router.add_get("/api/tickets/{id}", get_ticket)
    app.router.add_get("/api/tickets/{id}/recordings", list_recordings)
    app.router.add_get("/api/tickets/{id}/recordings/{recording}", get_recording)
    app.router.add_post("/api/tickets/{id}/close", close_ticket)
