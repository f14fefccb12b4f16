"""Work orders over real HTTP: opened by an agent, owned, reassigned, noted, closed, reopened;
racing state changes of one order have exactly one winner."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from ivr.db.session import Database
from ivr.services.tickets import Tickets
from tests.web.api_client import Request

COMPLAINT = {"type": "complaint", "description": "抄表员态度差", "account": "5100012345",
             "caller": "+8613800138000"}


async def _open(api: Request, role: str = "agent", **change: Any) -> dict[str, Any]:
    status, body = await api("POST", "/api/tickets", role=role, json=COMPLAINT | change)
    assert status == 201, body
    result: dict[str, Any] = body
    return result


async def test_a_work_order_is_owned_from_opening_to_closure_and_reopening(api: Request) -> None:
    ticket = await _open(api)
    number = ticket["number"]
    assert number.startswith("C") and ticket["owner"] == "test-agent"
    assert ticket["contact_due"] and ticket["resolve_due"] and not ticket["overdue"]
    assert ticket["deadline_provisional"] is False

    status, body = await api("POST", f"/api/tickets/{number}/assign", role="supervisor",
                             json={"owner": "城东供电所", "reason": "premises in 城东"})
    assert status == 200 and body["owner"] == "城东供电所"
    status, body = await api("POST", f"/api/tickets/{number}/notes", role="agent",
                             json={"text": "called the customer back", "contacted": True})
    assert status == 200 and body["contacted_at"] is not None
    status, body = await api("POST", f"/api/tickets/{number}/close", role="agent",
                             json={"resolution": "apologised; reader retrained"})
    assert status == 200 and body["status"] == "closed"

    status, body = await api("POST", f"/api/tickets/{number}/reopen", role="survey",
                             json={"reason": "customer not satisfied at follow-up"})
    assert status == 200
    assert body["number"] == number and body["status"] == "open"
    assert body["closed_at"] is None and body["resolution"] is None
    assert body["contacted_at"] is None  # contact is due again
    history = [(e["kind"], e["by"], e["owner"]) for e in body["history"]]
    assert history == [
        ("opened", "test-agent", "test-agent"),
        ("assigned", "test-supervisor", "城东供电所"),
        ("contacted", "test-agent", None),
        ("closed", "test-agent", None),
        ("reopened", "test-survey", None),
    ]
    assert "from test-agent: premises in 城东" in body["history"][1]["note"]


@pytest.mark.parametrize(
    "change,field",
    [
        ({"type": "gossip"}, "type"),
        ({"type": None}, "type"),
        ({"description": "  "}, "description"),
        ({"account": "12345"}, "account"),
        ({"owner": 7}, "owner"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_opening_validation_names_the_field(
    api: Request, change: dict[str, Any], field: str
) -> None:
    status, body = await api("POST", "/api/tickets", role="agent", json=COMPLAINT | change)
    assert status == 400 and body["field"] == field, body
    assert (await api("GET", "/api/tickets", role="agent"))[1]["tickets"] == []


async def test_changes_validate_and_unknown_numbers_are_404(api: Request) -> None:
    number = (await _open(api))["number"]
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("assign", {"owner": "", "reason": "x"}, "owner"),
        ("assign", {"owner": "x"}, "reason"),
        ("notes", {"text": 5}, "text"),
        ("notes", {"text": "x", "contacted": "yes"}, "contacted"),
        ("close", {}, "resolution"),
        ("reopen", {"reason": " "}, "reason"),
    ]
    for path, payload, field in cases:
        status, body = await api("POST", f"/api/tickets/{number}/{path}", role="supervisor",
                                 json=payload)
        assert (status, body["field"]) == (400, field), (path, body)
    for path, payload in [("assign", {"owner": "a", "reason": "b"}), ("notes", {"text": "a"}),
                          ("reopen", {"reason": "b"})]:
        status, body = await api("POST", f"/api/tickets/C19990101-0001/{path}",
                                 role="supervisor", json=payload)
        assert status == 404 and "C19990101-0001" in body["error"]
    status, body = await api("POST", f"/api/tickets/{number}/reopen", role="agent",
                             json={"reason": "not closed yet"})
    assert status == 409 and "not closed" in body["error"]


@pytest.mark.parametrize(
    "method,path,role",
    [
        ("POST", "/api/tickets", "survey"),
        ("POST", "/api/tickets", "dispatch"),
        ("POST", "/api/tickets/C1/assign", "survey"),
        ("POST", "/api/tickets/C1/notes", "dispatch"),
        ("POST", "/api/tickets/C1/reopen", "dispatch"),
        ("GET", "/api/tickets/overdue", "survey"),
        ("GET", "/api/tickets/handover", "dispatch"),
        ("POST", "/api/calendar", "supervisor"),
        ("GET", "/api/calendar?year=2027", "agent"),
    ],
)
async def test_roles_of_the_work_order_routes(
    api: Request, method: str, path: str, role: str
) -> None:
    status, body = await api(method, path, role=role, json={})
    assert status == 403 and role in body["error"]


async def test_overdue_and_handover_lists(api: Request, db: Database) -> None:
    tickets = Tickets(db)
    now = (await _open(api))["created_at"]  # a fresh complaint: due in a working day
    opened = datetime.fromisoformat(now)
    late = await tickets.open("meter_check", account=None, caller=None, description="meter fast",
                              call_uniqueid=None, now=opened - timedelta(days=30), by="a1")
    repair = await tickets.open("repair", account=None, caller=None, description="no power",
                                call_uniqueid=None, now=opened, by="a1")
    done = await tickets.open("reading_dispute", account=None, caller=None, description="x",
                              call_uniqueid=None, now=opened - timedelta(days=30), by="a1")
    await tickets.close(done.number, "reading corrected", by="a1")

    status, body = await api("GET", "/api/tickets/overdue", role="supervisor")
    assert status == 200
    assert [t["number"] for t in body["tickets"]] == [late.number]
    assert body["tickets"][0]["overdue"] is True

    status, body = await api("GET", "/api/tickets/handover?hours=12", role="agent")
    assert status == 200 and body["hours"] == 12
    # Overdue first, then the repair crew's arrival (within the hour); not the complaint
    # (due in a working day, unless that falls within 12 hours) nor the closed order.
    numbers = [t["number"] for t in body["tickets"]]
    assert numbers[:2] == [late.number, repair.number] and done.number not in numbers
    for bad in ("0", "abc", "100"):
        status, body = await api("GET", f"/api/tickets/handover?hours={bad}", role="agent")
        assert status == 400 and body["field"] == "hours"


async def test_racing_closes_have_exactly_one_winner_per_order(api: Request) -> None:
    numbers = [(await _open(api))["number"] for _ in range(5)]
    results = await asyncio.gather(*(
        api("POST", f"/api/tickets/{numbers[i % 5]}/close", role="agent",
            json={"resolution": f"closed by request {i}"})
        for i in range(100)
    ))
    wins = Counter(numbers[i % 5] for i, (status, _) in enumerate(results) if status == 200)
    assert wins == Counter(numbers)  # exactly one per order
    assert sorted(status for status, _ in results) == [200] * 5 + [409] * 95
    assert all("error" in body for status, body in results if status == 409)
    for number in numbers:
        _, body = await api("GET", f"/api/tickets/{number}", role="agent")
        assert [e["kind"] for e in body["history"]] == ["opened", "closed"]


async def test_racing_reopens_and_assignments_have_exactly_one_winner(api: Request) -> None:
    number = (await _open(api))["number"]
    results = await asyncio.gather(*(
        api("POST", f"/api/tickets/{number}/assign", role="supervisor",
            json={"owner": f"team-{i}", "reason": "load balancing",
                  "current_owner": "test-agent"})
        for i in range(20)
    ))
    assert sorted(status for status, _ in results) == [200] + [409] * 19
    await api("POST", f"/api/tickets/{number}/close", role="agent", json={"resolution": "done"})
    results = await asyncio.gather(*(
        api("POST", f"/api/tickets/{number}/reopen", role="agent", json={"reason": "again"})
        for _ in range(20)
    ))
    assert sorted(status for status, _ in results) == [200] + [409] * 19
    _, body = await api("GET", f"/api/tickets/{number}", role="agent")
    assert [e["kind"] for e in body["history"]] == ["opened", "assigned", "closed", "reopened"]


async def test_racing_first_contacts_are_recorded_once(api: Request) -> None:
    number = (await _open(api))["number"]
    results = await asyncio.gather(*(
        api("POST", f"/api/tickets/{number}/notes", role="agent",
            json={"text": f"reached the customer ({i})", "contacted": True})
        for i in range(10)
    ))
    statuses = [status for status, _ in results]
    assert set(statuses) <= {200, 409}
    _, body = await api("GET", f"/api/tickets/{number}", role="agent")
    kinds = [e["kind"] for e in body["history"]]
    # One first contact; a request that read the order after it is kept as a plain note.
    assert kinds.count("contacted") == 1 and kinds[:2] == ["opened", "contacted"]
    assert len(kinds) == 1 + statuses.count(200)
