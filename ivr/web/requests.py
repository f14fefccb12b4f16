"""Reading request bodies, with a 400 that says what is wrong."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

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
