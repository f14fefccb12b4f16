"""The staff pages: server-rendered, signed-in sessions, every route with its roles."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web

from ivr.flow.announcements import AnnouncementBoard
from ivr.services.hotline_services import HotlineServices
from ivr.services.pbx import LivePbx
from ivr.web.pages import desk, flows, outages, reports, signin, surveys, wallboard
from ivr.web.pages.desk import DeskSource
from ivr.web.pages.flows import FlowPagesSource
from ivr.web.pages.outages import OutagePageSource
from ivr.web.pages.reports import ReportSource
from ivr.web.pages.surveys import SurveyPageSource
from ivr.web.pages.wallboard import Alarms, WallboardSource
from ivr.web.sessions import LIMITER_KEY, SESSIONS_KEY, SessionStore, SignInLimiter

__all__ = ["Alarms", "FlowPagesSource", "add_pages"]


def add_pages(
    app: web.Application,
    services: HotlineServices,
    *,
    pbx: LivePbx | None,
    live_calls: Callable[[], int],
    timezone: ZoneInfo,
    alarms: Alarms,
    flow_pages: FlowPagesSource | None = None,
    announcements: AnnouncementBoard | None = None,
) -> None:
    aiohttp_jinja2.setup(
        app, loader=jinja2.PackageLoader("ivr.web", "templates"), autoescape=True
    )
    app[SESSIONS_KEY] = SessionStore(services.staff_sessions)
    app[LIMITER_KEY] = SignInLimiter()
    signin.add_routes(app, services.users)
    wallboard.add_routes(app, WallboardSource(services, pbx, live_calls, timezone, alarms))
    desk.add_routes(app, DeskSource(services, pbx, timezone))
    outages.add_routes(app, OutagePageSource(services, timezone, announcements))
    reports.add_routes(app, ReportSource(services, timezone))
    if flow_pages is not None:
        flows.add_routes(app, flow_pages)
    surveys.add_routes(app, SurveyPageSource(services, timezone))
