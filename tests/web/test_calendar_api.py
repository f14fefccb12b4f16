"""The official holiday schedule over real HTTP, provisional deadlines in responses, and the
health warning for next year's schedule (with a clock the test sets)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web

from ivr.db.session import Database
from ivr.flow.registry import FlowRegistry
from ivr.services.health import DatabaseHealth
from ivr.services.hotline_services import HotlineServices
from ivr.services.tickets import Tickets
from ivr.web.app import HealthSource, create_web_app
from tests.hotline import ROOT
from tests.web.api_client import Request

SHANGHAI = ZoneInfo("Asia/Shanghai")
Health = Callable[[datetime], Awaitable[dict[str, Any]]]


async def test_an_administrator_loads_a_schedule(api: Request) -> None:
    days = [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
            {"date": "2027-02-20", "kind": "workday", "name": "春节调休"}]
    status, body = await api("POST", "/api/calendar", role="admin", json={"days": days})
    assert status == 200 and body == {"loaded": 2, "deadlines_recounted": 0}
    status, body = await api("GET", "/api/calendar?year=2027", role="supervisor")
    assert status == 200
    assert [(d["day"], d["kind"], d["name"]) for d in body["days"]] == [
        ("2027-01-01", "holiday", "元旦"), ("2027-02-20", "workday", "春节调休")]


@pytest.mark.parametrize(
    ("days", "field"),
    [
        ([], "days"),
        ("2027-01-01", "days"),
        ([{"date": "2027-02-30", "kind": "holiday", "name": "x"}], "days[0].date"),
        ([{"date": "2027-01-01", "kind": "off", "name": "x"}], "days[0].kind"),
        ([{"date": "2027-01-01", "kind": "holiday", "name": 1}], "days[0].name"),
    ],
)
async def test_a_bad_schedule_is_a_400_naming_the_field(
    api: Request, days: Any, field: str
) -> None:
    status, body = await api("POST", "/api/calendar", role="admin", json={"days": days})
    assert status == 400 and body["field"] == field, body
    assert (await api("GET", "/api/calendar?year=2027", role="admin"))[1]["days"] == []


async def test_a_provisional_deadline_is_flagged_in_the_api(api: Request, db: Database) -> None:
    ticket = await Tickets(db).open(
        "meter_check", account=None, caller=None, description="meter runs fast",
        call_uniqueid=None, now=datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI), by="a1",
    )
    status, body = await api("GET", f"/api/tickets/{ticket.number}", role="agent")
    assert status == 200 and body["deadline_provisional"] is True
    status, body = await api("GET", "/api/tickets?type=meter_check", role="agent")
    assert body["tickets"][0]["deadline_provisional"] is True


async def test_loading_the_schedule_recounts_provisional_deadlines(
    api: Request, db: Database
) -> None:
    ticket = await Tickets(db).open(
        "complaint", account=None, caller=None, description="x", call_uniqueid=None,
        now=datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI), by="a1",
    )
    assert ticket.deadline_provisional
    assert ticket.contact_due == datetime(2027, 1, 4, 10, 0, tzinfo=SHANGHAI)
    days = [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
            {"date": "2027-01-02", "kind": "workday", "name": "元旦调休"}]  # hypothetical
    status, body = await api("POST", "/api/calendar", role="admin", json={"days": days})
    assert status == 200 and body["deadlines_recounted"] == 1
    _, body = await api("GET", f"/api/tickets/{ticket.number}", role="agent")
    assert body["deadline_provisional"] is False
    assert datetime.fromisoformat(body["contact_due"]) == datetime(2027, 1, 2, 10, tzinfo=SHANGHAI)
    assert body["history"][-1]["kind"] == "note" and body["history"][-1]["by"] == "test-admin"
    assert "official calendar" in body["history"][-1]["note"]


@pytest.fixture
async def health_at(db: Database) -> AsyncIterator[Health]:
    """`await health_at(moment)`: GET /api/health from a web app whose clock reads `moment`."""
    runners: list[web.AppRunner] = []

    async def get(moment: datetime) -> dict[str, Any]:
        source = HealthSource(database=DatabaseHealth(db).status,
                              flows=FlowRegistry(ROOT / "flows", ROOT / "prompts"),
                              live_calls=lambda: 0, clock=lambda: moment)
        services = HotlineServices.build(db, timezone="Asia/Shanghai", ring_seconds=5)
        runner = web.AppRunner(create_web_app(services, health=source, timezone="Asia/Shanghai"))
        runners.append(runner)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        async with aiohttp.ClientSession() as session, \
                session.get(f"http://127.0.0.1:{port}/api/health") as resp:
            assert resp.status == 200
            body: dict[str, Any] = await resp.json()
            return body

    yield get
    for runner in runners:
        await runner.cleanup()


async def test_health_warns_from_december_when_next_years_schedule_is_missing(
    health_at: Health, api: Request
) -> None:
    assert (await health_at(datetime(2026, 11, 30, 12, tzinfo=SHANGHAI)))["warnings"] == []
    # 1 December in Beijing, still 30 November in UTC: the hotline's own date counts.
    warnings = (await health_at(datetime(2026, 12, 1, 7, tzinfo=SHANGHAI)))["warnings"]
    assert len(warnings) == 1 and "2027" in warnings[0]
    assert (await health_at(datetime(2025, 12, 2, tzinfo=SHANGHAI)))["warnings"] == []
    await api("POST", "/api/calendar", role="admin",
              json={"days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]})
    assert (await health_at(datetime(2026, 12, 2, tzinfo=SHANGHAI)))["warnings"] == []
