"""What every page shares: rendering with the user's language, the navigation by role."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from ivr.db.enums import Language
from ivr.services.errors import ValidationError
from ivr.web.pages.i18n import translate
from ivr.web.sessions import PRE_CSRF_COOKIE, SESSION_KEY, Session, set_cookie

# (text key, path, roles that may open it); admin may open every page.
PAGES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("wallboard", "/wallboard", frozenset({"supervisor"})),
    ("desk", "/desk", frozenset({"agent"})),
    ("outages", "/outages", frozenset({"dispatch", "supervisor"})),
    ("reports", "/reports", frozenset({"supervisor"})),
    ("flows", "/flows", frozenset({"supervisor"})),
    ("campaigns", "/campaigns", frozenset({"survey", "supervisor"})),
    ("surveys", "/surveys", frozenset({"survey", "supervisor"})),
    ("dnc", "/dnc", frozenset({"survey", "supervisor"})),
)


def nav_for(role: str) -> list[tuple[str, str]]:
    return [(key, path) for key, path, roles in PAGES if role == "admin" or role in roles]


def home_for(role: str) -> str:
    pages = nav_for(role)
    return pages[0][1] if pages and role != "admin" else "/home"


def render(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    session: Session | None = request.get(SESSION_KEY)  # set by `page`; None when signed out
    lang = session.language.value if session else _browser_language(request)
    pre_csrf = None
    if session is None:  # the sign-in form: a double-submit token in a cookie of its own
        pre_csrf = request.cookies.get(PRE_CSRF_COOKIE) or secrets.token_urlsafe(32)
    base = {
        "session": session,
        "lang": lang,
        "t": lambda key: translate(lang, key),
        "csrf": session.csrf if session else pre_csrf,
        "nav": nav_for(session.role) if session else [],
        "request_path": request.path_qs,
    }
    response = aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)
    response.headers["Cache-Control"] = "no-store"  # pages hold personal data
    if pre_csrf is not None:
        set_cookie(request, response, PRE_CSRF_COOKIE, pre_csrf)
    return response


def _browser_language(request: web.Request) -> str:
    accept = request.headers.get("Accept-Language", "")
    return Language.EN_US.value if accept.lower().startswith("en") else Language.ZH_CN.value


def safe_next(value: str | None) -> str | None:
    """Only a path on this site: never an open redirect to another host."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


class FormFields:
    """A posted staff form read the way every page reads it: trimmed text, lists split on
    commas (Chinese or Latin), local date-times from `datetime-local` inputs."""

    def __init__(self, form: Mapping[str, Any], tz: tzinfo) -> None:
        self._form, self._tz = form, tz

    def text(self, name: str) -> str:
        return str(self._form.get(name, "")).strip()

    def items(self, name: str) -> list[str]:
        return [a.strip() for a in self.text(name).replace("，", ",").split(",") if a.strip()]

    def when(self, name: str) -> datetime | None:
        if not self.text(name):
            return None
        try:
            return datetime.fromisoformat(self.text(name)).replace(tzinfo=self._tz)
        except ValueError:
            raise ValidationError(name, "a date and time expected") from None
