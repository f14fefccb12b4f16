"""The staff pages: server-rendered, signed-in sessions, every route with its roles."""

from __future__ import annotations

import aiohttp_jinja2
import jinja2
from aiohttp import web

from ivr.services.hotline_services import HotlineServices
from ivr.web.pages import signin
from ivr.web.sessions import LIMITER_KEY, SESSIONS_KEY, SessionStore, SignInLimiter


def add_pages(app: web.Application, services: HotlineServices) -> None:
    aiohttp_jinja2.setup(
        app, loader=jinja2.PackageLoader("ivr.web", "templates"), autoescape=True
    )
    app[SESSIONS_KEY] = SessionStore()
    app[LIMITER_KEY] = SignInLimiter()
    signin.add_routes(app, services.users)
