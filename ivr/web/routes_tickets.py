"""Work orders: open, list, read, assign, annotate, close, reopen; overdue and shift handover;
the callers' voice messages kept with them."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ivr.services.errors import Conflict, NotFound, ValidationError
from ivr.services.tickets import TicketInfo, Tickets
from ivr.services.voice_messages import VoiceMessages
from ivr.web.auth import PRINCIPAL_KEY, allow, error
from ivr.web.encode import respond
from ivr.web.requests import read_json

TICKETS_KEY = web.AppKey("tickets", Tickets)
_CREATE_FIELDS = {"type", "description", "account", "caller", "owner"}
DEFAULT_HANDOVER_HOURS = 12.0  # one shift
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
async def create_ticket(request: web.Request) -> web.Response:
    """A contact taken in person or on the phone by an agent: they own it unless they name
    another owner."""
    body = await read_json(request)
    try:
        unknown = sorted(set(body) - _CREATE_FIELDS)
        if unknown:
            raise ValidationError(
                unknown[0], f"unknown field (fields: {', '.join(sorted(_CREATE_FIELDS))})"
            )
        ticket = await request.app[TICKETS_KEY].open(
            _required(body, "type"),
            description=_required(body, "description"),
            account=_optional(body, "account"),
            caller=_optional(body, "caller"),
            owner=_optional(body, "owner"),
            call_uniqueid=None,
            by=request[PRINCIPAL_KEY].name,
        )
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    return respond(ticket, status=201)


@allow("agent", "supervisor")
async def assign_ticket(request: web.Request) -> web.Response:
    body = await read_json(request)
    return await _change(
        request,
        lambda tickets, ref, by: tickets.assign(
            ref, _required(body, "owner"), _required(body, "reason"), by=by,
            current_owner=_optional(body, "current_owner"),
        ),
    )


@allow("agent", "supervisor", "survey")
async def add_note(request: web.Request) -> web.Response:
    body = await read_json(request)
    contacted = body.get("contacted", False)
    if not isinstance(contacted, bool):
        return error(400, "true or false expected", field="contacted")
    return await _change(
        request,
        lambda tickets, ref, by: tickets.add_note(
            ref, _required(body, "text"), by=by, contacted=contacted
        ),
    )


@allow("agent", "supervisor")
async def close_ticket(request: web.Request) -> web.Response:
    body = await read_json(request)
    return await _change(
        request,
        lambda tickets, ref, by: tickets.close(ref, _text(body, "resolution"), by=by),
    )


@allow("agent", "supervisor", "survey")
async def reopen_ticket(request: web.Request) -> web.Response:
    body = await read_json(request)
    return await _change(
        request,
        lambda tickets, ref, by: tickets.reopen(ref, _required(body, "reason"), by=by),
    )


@allow("agent", "supervisor")
async def overdue_tickets(request: web.Request) -> web.Response:
    return respond({"tickets": await request.app[TICKETS_KEY].overdue()})


@allow("agent", "supervisor")
async def handover_tickets(request: web.Request) -> web.Response:
    raw = request.query.get("hours") or str(DEFAULT_HANDOVER_HOURS)
    try:
        try:
            hours = float(raw)
        except ValueError:
            raise ValidationError("hours", "a number of hours is required") from None
        tickets = await request.app[TICKETS_KEY].handover(hours)
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    return respond({"hours": hours, "tickets": tickets})


Change = Callable[[Tickets, str, str], Awaitable[TicketInfo]]  # (tickets, reference, by)


async def _change(request: web.Request, run: Change) -> web.Response:
    try:
        ticket = await run(
            request.app[TICKETS_KEY], _ticket_ref(request), request[PRINCIPAL_KEY].name
        )
    except NotFound as exc:
        return error(404, str(exc))
    except Conflict as exc:
        return error(409, str(exc))
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    return respond(ticket)


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise ValidationError(name, "a text is required")
    return value


def _required(body: dict[str, Any], name: str) -> str:
    value = _text(body, name)
    if not value.strip():
        raise ValidationError(name, "must not be empty")
    return value


def _optional(body: dict[str, Any], name: str) -> str | None:
    return None if body.get(name) in (None, "") else _text(body, name)


def _fields(ticket: TicketInfo) -> dict[str, object]:
    return {f.name: getattr(ticket, f.name) for f in dataclasses.fields(ticket)}


def _ticket_ref(request: web.Request) -> str:
    return request.match_info["id"]  # a work order number, or its numeric id


def add_routes(app: web.Application, tickets: Tickets, voice_messages: VoiceMessages) -> None:
    app[TICKETS_KEY] = tickets
    app[VOICE_MESSAGES_KEY] = voice_messages
    app.router.add_get("/api/tickets", list_tickets)
    app.router.add_post("/api/tickets", create_ticket)
    app.router.add_get("/api/tickets/overdue", overdue_tickets)  # before {id}
    app.router.add_get("/api/tickets/handover", handover_tickets)
    app.router.add_get("/api/tickets/{id}", get_ticket)
    app.router.add_post("/api/tickets/{id}/assign", assign_ticket)
    app.router.add_post("/api/tickets/{id}/notes", add_note)
    app.router.add_get("/api/tickets/{id}/recordings", list_recordings)
    app.router.add_get("/api/tickets/{id}/recordings/{recording}", get_recording)
    app.router.add_post("/api/tickets/{id}/close", close_ticket)
    app.router.add_post("/api/tickets/{id}/reopen", reopen_ticket)
