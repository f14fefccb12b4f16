"""Reading request bodies, with a 400 that says what is wrong."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from ivr.services.errors import ValidationError
from ivr.web.encode import dumps


def bad_request(message: str, field: str | None = None) -> web.HTTPBadRequest:
    body = {"error": message} | ({"field": field} if field else {})
    return web.HTTPBadRequest(text=dumps(body), content_type="application/json")


async def read_json(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; raises a 400 for anything else."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad_request("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    return body


def parse_moment(raw: str, field: str) -> datetime:
    """An ISO 8601 date and time with a UTC offset; `ValidationError` naming `field` otherwise."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(field, "an ISO 8601 date and time is required") from None
    if moment.tzinfo is None:
        raise ValidationError(field, "a date and time with a UTC offset is needed")
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValidationError(field, "out of range") from None
    return moment
