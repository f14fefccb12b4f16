"""The dispatch feed: outages created, updated and restored as dispatch knows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from ivr.services.errors import Conflict, ValidationError
from ivr.services.outages import OutageInput, Outages, same_outage, validate_outage
from ivr.web.auth import allow, error
from ivr.web.encode import respond
from ivr.web.requests import parse_moment, read_json

OUTAGES_KEY = web.AppKey("outages", Outages)
_FIELDS = {"id", "kind", "areas", "transformers", "starts_at", "restore_eta", "cause", "status"}


@allow("dispatch", "supervisor", "agent")
async def list_outages(request: web.Request) -> web.Response:
    try:
        outages = await request.app[OUTAGES_KEY].list(
            area=request.query.get("area") or None, status=request.query.get("status") or None
        )
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    return respond({"outages": outages})


@allow("dispatch", "supervisor")
async def post_outage(request: web.Request) -> web.Response:
    """Create (201) or update (200) one outage (its `id` is dispatch's); `status: restored`
    restores it. Of racing creations of one id exactly one wins; the others, and a repeat that
    changes nothing, get 409 (the outage is there as sent)."""
    body = await read_json(request)
    outages = request.app[OUTAGES_KEY]
    try:
        data = validate_outage(_outage_input(body))
        stored = await outages.get(data.id)
        if stored is None:
            return respond(await outages.create(data), status=201)
        if same_outage(stored, data):
            raise Conflict(f"outage {data.id!r} already exists as sent")
        outage = await outages.upsert(data)
    except ValidationError as exc:
        return error(400, exc.message, field=exc.field)
    except Conflict as exc:
        return error(409, str(exc))
    return respond(outage, status=200)


def _outage_input(body: dict[str, Any]) -> OutageInput:
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise ValidationError(unknown[0], f"unknown field (fields: {', '.join(sorted(_FIELDS))})")
    for name in ("id", "kind", "starts_at", "status"):
        if body.get(name) in (None, ""):
            raise ValidationError(name, "required")
    return OutageInput(
        id=_text(body, "id"),
        kind=_text(body, "kind"),
        status=_text(body, "status"),
        areas=_names(body, "areas"),
        transformers=_names(body, "transformers"),
        starts_at=_when(body, "starts_at"),
        restore_eta=None if body.get("restore_eta") in (None, "") else _when(body, "restore_eta"),
        cause=_text(body, "cause") if body.get("cause") is not None else "",
    )


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise ValidationError(name, "a string is required")
    return value


def _names(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(name, "a list of strings is required")
    return value


def _when(body: dict[str, Any], name: str) -> datetime:
    return parse_moment(_text(body, name), name)


def add_routes(app: web.Application, outages: Outages) -> None:
    app[OUTAGES_KEY] = outages
    app.router.add_get("/api/outages", list_outages)
    app.router.add_post("/api/outages", post_outage)
