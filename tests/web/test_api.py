"""The REST API over real HTTP: no token no data, roles per route, validation naming the field."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.services.tickets import Tickets
from ivr.services.tokens import Tokens
from tests.conftest import CustomerFactory
from tests.hotline import ACCOUNT, Dial
from tests.web.api_client import Request

OUTAGE = {
    "id": "F-100",
    "kind": "fault",
    "status": "active",
    "areas": ["城东"],
    "transformers": [],
    "starts_at": "2026-11-25T08:00:00+08:00",
    "restore_eta": "2026-11-25T12:30:00+08:00",
    "cause": "10kV线路故障",
}


async def test_health_is_open_and_says_what_is_up(api: Request) -> None:
    status, body = await api("GET", "/api/health")
    assert status == 200
    assert body["database"] == "up" and body["ami"] == "not configured"
    assert len(body["flows_version"]) == 12
    assert body["prompts_failed"] == []


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/calls/1.1"),
        ("GET", "/api/tickets"),
        ("GET", "/api/tickets/R1"),
        ("POST", "/api/tickets/R1/close"),
        ("GET", "/api/outages"),
        ("POST", "/api/outages"),
    ],
)
async def test_no_token_no_data(api: Request, method: str, path: str) -> None:
    status, body = await api(method, path)
    assert status == 401 and "token" in body["error"]
    status, body = await api(method, path, token="ivr_not-a-real-token")
    assert status == 401 and body["error"] == "invalid or revoked token"


@pytest.mark.parametrize(
    "method,path,role",
    [
        ("POST", "/api/outages", "agent"),
        ("POST", "/api/outages", "survey"),
        ("GET", "/api/outages", "survey"),
        ("POST", "/api/tickets/R1/close", "survey"),
        ("POST", "/api/tickets/R1/close", "dispatch"),
        ("GET", "/api/tickets", "dispatch"),
        ("GET", "/api/calls/1.1", "survey"),
        ("GET", "/api/calls/1.1", "dispatch"),
    ],
)
async def test_roles_are_checked_on_every_route(
    api: Request, method: str, path: str, role: str
) -> None:
    status, body = await api(method, path, role=role, json={})
    assert status == 403
    assert role in body["error"]


async def test_every_route_declares_who_may_use_it(hotline: Hotline) -> None:
    assert hotline.web_runner is not None
    app = hotline.web_runner.app
    for route in app.router.routes():
        if route.method == "HEAD":
            continue
        declared = getattr(route.handler, "ivr_roles", None) or getattr(
            route.handler, "ivr_page_roles", None
        )  # API routes and pages (forms and WebSockets too) alike
        assert declared, f"{route.method} {route.resource}"


async def test_a_revoked_token_is_refused(api: Request, db: Database) -> None:
    token = await Tokens(db).create("dispatch", "night-shift")
    assert (await api("GET", "/api/outages", token=token))[0] == 200
    await Tokens(db).revoke("night-shift")
    assert (await api("GET", "/api/outages", token=token))[0] == 401


async def test_dispatch_creates_updates_and_restores_an_outage(api: Request) -> None:
    status, created = await api("POST", "/api/outages", role="dispatch", json=OUTAGE)
    assert status == 201 and created["status"] == "active" and created["areas"] == ["城东"]
    status, updated = await api(
        "POST",
        "/api/outages",
        role="dispatch",
        json=OUTAGE | {"restore_eta": "2026-11-25T14:00:00+08:00"},
    )
    assert status == 200
    assert datetime.fromisoformat(updated["restore_eta"]) == datetime(2026, 11, 25, 6, tzinfo=UTC)
    status, restored = await api(
        "POST", "/api/outages", role="supervisor", json=OUTAGE | {"status": "restored"}
    )
    assert status == 200 and restored["status"] == "restored"
    status, listing = await api("GET", "/api/outages?area=城东", role="agent")
    assert status == 200 and [o["id"] for o in listing["outages"]] == ["F-100"]
    status, listing = await api("GET", "/api/outages?area=城西", role="agent")
    assert listing["outages"] == []


@pytest.mark.parametrize(
    "change,field",
    [
        ({"kind": "storm"}, "kind"),
        ({"status": "maybe"}, "status"),
        ({"starts_at": "2026-11-25T08:00:00"}, "starts_at"),
        ({"starts_at": "yesterday"}, "starts_at"),
        ({"restore_eta": "2026-11-25T07:00:00+08:00"}, "restore_eta"),
        ({"areas": [], "transformers": []}, "areas"),
        ({"areas": "城东"}, "areas"),
        ({"id": ""}, "id"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_outage_validation_names_the_field(
    api: Request, change: dict[str, Any], field: str
) -> None:
    status, body = await api("POST", "/api/outages", role="dispatch", json=OUTAGE | change)
    assert status == 400, body
    assert body["field"] == field
    assert (await api("GET", "/api/outages", role="dispatch"))[1]["outages"] == []


async def test_a_body_that_is_not_json_is_a_clear_400(api: Request) -> None:
    status, body = await api("POST", "/api/outages", role="dispatch", data=b"{not json")
    assert status == 400 and "JSON" in body["error"]
    status, body = await api("POST", "/api/outages", role="dispatch", json=["a", "list"])
    assert status == 400 and "object" in body["error"]


async def test_tickets_listed_read_and_closed(
    api: Request, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()
    ticket = await Tickets(db).open(
        "repair",
        account=ACCOUNT,
        caller="+8613800138000",
        description="no_power_home",
        call_uniqueid="1.1",
    )
    status, body = await api("GET", f"/api/tickets?account={ACCOUNT}&type=repair", role="agent")
    assert status == 200 and [t["number"] for t in body["tickets"]] == [ticket.number]
    status, body = await api("GET", "/api/tickets?type=nonsense", role="agent")
    assert status == 400 and body["field"] == "type"
    status, body = await api("GET", f"/api/tickets/{ticket.number}", role="survey")
    assert status == 200 and body["status"] == "open"
    assert (await api("GET", "/api/tickets/R19990101-0001", role="agent"))[0] == 404
    status, body = await api("POST", f"/api/tickets/{ticket.number}/close", role="agent", json={})
    assert status == 400 and body["field"] == "resolution"
    status, body = await api(
        "POST",
        f"/api/tickets/{ticket.number}/close",
        role="agent",
        json={"resolution": "replaced the fuse"},
    )
    assert status == 200 and body["status"] == "closed"
    assert body["history"][-1]["by"] == "test-agent"
    status, body = await api(
        "POST", f"/api/tickets/{ticket.number}/close", role="agent", json={"resolution": "again"}
    )
    assert status == 409


async def test_a_calls_journey_is_readable(
    api: Request, call: Dial, add_customer: CustomerFactory
) -> None:
    await add_customer()
    t = await call("2", "1", "1", "")
    status, body = await api("GET", f"/api/calls/{t.uniqueid}", role="supervisor")
    assert status == 200
    assert body["outcome"] == "self_served" and body["account"] == ACCOUNT
    kinds = [e["kind"] for e in body["events"]]
    assert kinds[0] == "answered" and "ticket" in kinds
    prompts = [e["data"]["text"] for e in body["events"] if e["kind"] == "prompt"]
    assert prompts == [p for p in t.prompts]
    assert (await api("GET", "/api/calls/no.such", role="agent"))[0] == 404


@pytest.mark.parametrize(
    "change,field",
    [
        ({"starts_at": "9999-12-31T23:00:00-05:00"}, "starts_at"),
        ({"restore_eta": 0}, "restore_eta"),
        ({"restore_eta": False}, "restore_eta"),
    ],
)
async def test_odd_outage_times_are_a_400_not_a_500(
    api: Request, change: dict[str, Any], field: str
) -> None:
    status, body = await api("POST", "/api/outages", role="dispatch", json=OUTAGE | change)
    assert status == 400 and body["field"] == field


async def test_an_outage_without_a_restoration_time_is_accepted(api: Request) -> None:
    status, body = await api("POST", "/api/outages", role="dispatch",
                             json=OUTAGE | {"restore_eta": None})
    assert status == 201 and body["restore_eta"] is None


async def test_racing_posts_of_a_new_outage_create_it_once(api: Request) -> None:
    results = await asyncio.gather(
        *(api("POST", "/api/outages", role="dispatch", json=OUTAGE) for _ in range(30)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 29
    assert all("F-100" in body["error"] for status, body in results if status == 409)
    status, listing = await api("GET", "/api/outages", role="dispatch")
    assert [o["id"] for o in listing["outages"]] == ["F-100"]
    # An update that changes something is still accepted.
    status, _ = await api("POST", "/api/outages", role="dispatch", json=OUTAGE | {"cause": "雷击"})
    assert status == 200


@pytest.mark.parametrize("ref", ["%C2%B2", "99999999999999999999999", "R-nonsense"])
async def test_odd_ticket_references_are_not_found(api: Request, ref: str) -> None:
    assert (await api("GET", f"/api/tickets/{ref}", role="agent"))[0] == 404
    status, _ = await api("POST", f"/api/tickets/{ref}/close", role="agent",
                          json={"resolution": "done"})
    assert status == 404
