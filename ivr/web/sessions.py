"""Staff sign-in sessions for the pages: a random id in an HttpOnly cookie, a CSRF token per
session, and a limit on failed sign-in attempts. The API keeps its bearer tokens.

Sessions live in memory: a restart signs everyone out, which is acceptable for staff pages and
keeps the session id (a bearer secret) out of the database.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from aiohttp import web

from ivr.db.enums import Language, Role
from ivr.services.users import User

COOKIE = "ivr_session"
PRE_CSRF_COOKIE = "ivr_csrf"  # double-submit token for the sign-in form, before any session
IDLE_SECONDS = 8 * 3600  # one shift
PageHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Session:
    user: str
    role: Role
    language: Language
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    last_seen: float = field(default_factory=time.monotonic)


class SessionStore:
    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self._sessions: dict[str, Session] = {}
        self._idle = idle_seconds

    def create(self, user: User) -> tuple[str, Session]:
        sid = secrets.token_urlsafe(32)
        session = Session(user.name, user.role, user.language)
        self._sessions[sid] = session
        return sid, session

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        session = self._sessions.get(sid)
        now = time.monotonic()
        if session is None or now - session.last_seen > self._idle:
            self._sessions.pop(sid, None)
            return None
        session.last_seen = now
        return session

    def drop(self, sid: str | None) -> None:
        if sid:
            self._sessions.pop(sid, None)


class SignInLimiter:
    """At most `attempts` failures per name and per address within `window` seconds."""

    def __init__(self, attempts: int = 5, window: float = 900.0) -> None:
        self._attempts, self._window = attempts, window
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and time.monotonic() - times[0] > self._window:
            times.popleft()
        return times

    def blocked(self, name: str, address: str) -> bool:
        keys = (f"n:{name.lower()}", f"a:{address}")
        return any(len(self._recent(k)) >= self._attempts for k in keys)

    def failed(self, name: str, address: str) -> None:
        for key in (f"n:{name.lower()}", f"a:{address}"):
            self._recent(key).append(time.monotonic())


SESSIONS_KEY = web.AppKey("sessions", SessionStore)
LIMITER_KEY = web.AppKey("signin_limiter", SignInLimiter)
SESSION_KEY = web.RequestKey("session", Session)


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="Strict", secure=request.secure, path="/"
    )


def current(request: web.Request) -> Session | None:
    return request.app[SESSIONS_KEY].get(request.cookies.get(COOKIE))


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def page(*roles: str) -> Callable[[PageHandler], PageHandler]:
    """A page, form or WebSocket route for signed-in staff with one of `roles` (admin always).

    A POST must carry the session's CSRF token (form field `csrf` or header `X-CSRF-Token`).
    """
    allowed = frozenset(roles) | {"admin"}

    def wrap(handler: PageHandler) -> PageHandler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            session = current(request)
            if session is None:
                if request.method == "GET" and request.headers.get("Upgrade", "") == "":
                    raise web.HTTPSeeOther(f"/signin?next={quote(request.path_qs, safe='/')}")
                raise web.HTTPUnauthorized(text="sign in first")
            if session.role not in allowed:
                raise web.HTTPForbidden(text=f"role '{session.role}' may not open this page")
            if request.method == "POST":
                given = request.headers.get("X-CSRF-Token")
                if given is None and request.content_type in (
                    "application/x-www-form-urlencoded",
                    "multipart/form-data",
                ):
                    given = str((await request.post()).get("csrf", ""))
                if not csrf_ok(session.csrf, given):
                    raise web.HTTPForbidden(text="missing or wrong CSRF token")
            request[SESSION_KEY] = session
            return await handler(request)

        guarded.__dict__["ivr_page_roles"] = allowed
        guarded.__name__ = handler.__name__
        guarded.__doc__ = handler.__doc__
        return guarded

    return wrap
