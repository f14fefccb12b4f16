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


# No field of the API holds a longer integer; a longer one is a mistake or an attack, and
# Python refuses to convert over 4,300 digits anyway (a ValueError the handlers never expect).
MAX_INT_DIGITS = 18


class _TooLong(Exception):
    pass


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _TooLong
    return int(text)


async def read_json(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; raises a 400 naming the problem for anything else."""
    try:
        raw = await request.read()
        text = raw.decode(request.charset or "utf-8")
    except LookupError:
        raise bad_request(f"unknown charset {request.charset!r} (send UTF-8)") from None
    except UnicodeDecodeError:
        raise bad_request(f"the body is not valid {request.charset or 'UTF-8'} text") from None
    try:
        body = json.loads(text, parse_int=_bounded_int)
    except _TooLong:
        raise bad_request(f"a number in the body has more than {MAX_INT_DIGITS} digits") from None
    except RecursionError:
        raise bad_request("the body is nested too deeply") from None
    except ValueError:  # JSONDecodeError among them
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
