"""Staff sign-in sessions for the pages: a random id in an HttpOnly cookie, a CSRF token per
session, and a limit on failed sign-in attempts. The API keeps its bearer tokens.

Sessions are kept in the database (`StaffSessions`, only the id's hash stored), so a restart
of `ivr serve` signs nobody out; they expire after a shift idle, and signing out deletes them.
"""

from __future__ import annotations

import hmac
import time
from collections import deque
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

from ivr.services.staff_sessions import SignedIn, StaffSessions
from ivr.services.users import User

COOKIE = "ivr_session"
PRE_CSRF_COOKIE = "ivr_csrf"  # double-submit token for the sign-in form, before any session
PageHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Session = SignedIn


class SessionStore:
    """The pages' view of the sessions table; expired sessions are purged at each sign-in."""

    def __init__(self, sessions: StaffSessions) -> None:
        self._sessions = sessions

    async def create(self, user: User) -> tuple[str, Session]:
        await self._sessions.purge()
        return await self._sessions.create(user.name)

    async def get(self, sid: str | None) -> Session | None:
        return await self._sessions.get(sid)

    async def drop(self, sid: str | None) -> None:
        await self._sessions.drop(sid)


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


async def current(request: web.Request) -> Session | None:
    return await request.app[SESSIONS_KEY].get(request.cookies.get(COOKIE))


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def page(*roles: str) -> Callable[[PageHandler], PageHandler]:
    """A page, form or WebSocket route for signed-in staff with one of `roles` (admin always).

    A POST must carry the session's CSRF token (form field `csrf` or header `X-CSRF-Token`).
    """
    allowed = frozenset(roles) | {"admin"}

    def wrap(handler: PageHandler) -> PageHandler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            session = await current(request)
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
