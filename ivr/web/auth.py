"""Bearer-token authentication and per-route roles; a route says who may use it, or is closed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ivr.services.tokens import Principal, Tokens

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PUBLIC = "public"
PRINCIPAL_KEY = web.RequestKey("principal", Principal)
TOKENS_KEY = web.AppKey("tokens", Tokens)


def allow(*roles: str) -> Callable[[Handler], Handler]:
    """Mark a handler with the roles that may call it (`admin` always may)."""

    def mark(handler: Handler) -> Handler:
        handler.__dict__["ivr_roles"] = frozenset(roles) | (
            {"admin"} if PUBLIC not in roles else set()
        )
        return handler

    return mark


def error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    roles: frozenset[str] | None = getattr(handler, "ivr_roles", None)
    if roles is None:
        route_handler = request.match_info.handler
        roles = getattr(route_handler, "ivr_roles", None)
    if request.match_info.http_exception is not None:
        return await handler(request)  # 404/405: nothing to protect
    if roles is None and getattr(request.match_info.handler, "ivr_page_roles", None):
        return await handler(request)  # a page: its session and roles are checked by `page()`
    if roles is None:
        return error(403, "route has no access rule")  # deny by default
    if PUBLIC in roles:
        return await handler(request)
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error(401, "missing bearer token", hint="ivr token create --role ROLE --name NAME")
    principal = await request.app[TOKENS_KEY].authenticate(token.strip())
    if principal is None:
        return error(401, "invalid or revoked token")
    if principal.role not in roles:
        return error(403, f"role '{principal.role}' may not use this route", allowed=sorted(roles))
    request[PRINCIPAL_KEY] = principal
    return await handler(request)
