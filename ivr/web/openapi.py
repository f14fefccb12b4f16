"""The API's OpenAPI description, generated from the route table: each route's path, method,
the roles its `@allow` declares and its handler's docstring. Nothing to keep in step by hand."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from ivr.web.auth import PUBLIC, allow

_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def describe(app: web.Application, title: str = "Hotline API") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        raw = info.get("path") or info.get("formatter") or ""
        if not raw.startswith("/api/") or route.method == "HEAD":
            continue
        roles = sorted(getattr(route.handler, "ivr_roles", ()))
        path = _PARAM.sub(lambda m: "{" + m.group(1) + "}", raw)
        doc = (route.handler.__doc__ or "").strip()
        operation: dict[str, Any] = {
            "summary": doc.splitlines()[0] if doc else route.handler.__name__.replace("_", " "),
            "description": doc,
            "operationId": f"{route.method.lower()}_{route.handler.__name__}",
            "x-roles": roles,
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in _PARAM.findall(raw)
            ],
            "responses": {"200": {"description": "OK"}, "400": {"description": "invalid"},
                          "401": {"description": "no or bad token"},
                          "403": {"description": "role not allowed"}},
        }
        if PUBLIC not in roles:
            operation["security"] = [{"bearer": []}]
        paths.setdefault(path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1",
                 "description": "Bearer tokens from `ivr token create`; `x-roles` lists who may "
                                "call each route (admin may call all)."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": dict(sorted(paths.items())),
    }


@allow("agent", "supervisor", "survey", "dispatch")
async def get_docs(request: web.Request) -> web.Response:
    """This description of the API (OpenAPI 3.1)."""
    return web.json_response(describe(request.app))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/docs", get_docs)
