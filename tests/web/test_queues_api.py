"""Queues, agents and service levels over real HTTP, with the hotline connected to the AMI
simulator over real TCP: roles, validation, and the AMI actions each request sends."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from ivr.app import Hotline
from ivr.asterisk_names import QUEUES
from ivr.db.session import Database
from ivr.pbxsim.ami_server import AmiSimulator
from ivr.services.tokens import Tokens
from tests.ami_hotline import AmiApi


async def until(predicate: Any, within: float = 3.0) -> None:
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - state changes when AMI events arrive
            await asyncio.sleep(0.005)


def agent_view(hotline: Hotline, name: str) -> Any:
    assert hotline.ami is not None
    return next((a for a in hotline.ami.state.agent_views() if a.name == name), None)


async def test_without_ami_live_routes_say_so_and_stats_still_work(
    hotline: Hotline, db: Database
) -> None:
    headers = {"Authorization": f"Bearer {await Tokens(db).create('supervisor', 'boss')}"}
    base = f"http://127.0.0.1:{hotline.http_port}"
    async with aiohttp.ClientSession(base, headers=headers) as http:
        for path in ("/api/queues", "/api/agents"):
            async with http.get(path) as resp:
                assert resp.status == 503 and "IVR_AMI_URL" in (await resp.json())["error"]
        params = {"from": "2025-08-06T00:00:00+08:00", "to": "2025-08-07T00:00:00+08:00"}
        async with http.get("/api/stats/service-level", params=params) as resp:
            body = await resp.json()
        assert resp.status == 200 and body["overall"]["offered"] == 0
        assert [q["queue"] for q in body["queues"]] == list(QUEUES)


async def test_no_token_no_data_and_roles_per_route(ami_api: AmiApi) -> None:
    stats = "/api/stats/service-level?from=2025-08-06T00:00:00Z&to=2025-08-07T00:00:00Z"
    for method, path in (
        ("GET", "/api/queues"),
        ("GET", "/api/agents"),
        ("GET", stats),
        ("POST", "/api/agents/A001/login"),
        ("POST", "/api/agents/A001/pause"),
    ):
        assert (await ami_api(method, path))[0] == 401, path
    assert (await ami_api("GET", "/api/queues", role="survey"))[0] == 403
    assert (await ami_api("GET", "/api/agents", role="dispatch"))[0] == 403
    assert (await ami_api("GET", stats, as_agent="A001"))[0] == 403
    assert (await ami_api("GET", stats, role="supervisor"))[0] == 200
    assert (await ami_api("GET", stats, role="admin"))[0] == 200
    assert (await ami_api("POST", "/api/agents/A001/login", role="dispatch"))[0] == 403


async def test_an_agent_acts_on_themself_only(ami_api: AmiApi, ami_sim: AmiSimulator) -> None:
    status, body = await ami_api("POST", "/api/agents/A002/login", as_agent="A001")
    assert status == 403 and "themself" in body["error"]
    status, body = await ami_api("POST", "/api/agents/A002/pause", as_agent="A001")
    assert status == 403
    assert ami_sim.actions_named("QueueAdd") == ami_sim.actions_named("QueuePause") == []
    assert (await ami_api("POST", "/api/agents/A001/login", as_agent="A001"))[0] == 200
    assert (await ami_api("POST", "/api/agents/A002/login", role="supervisor"))[0] == 200
    status, body = await ami_api("POST", "/api/agents/A404/login", role="supervisor")
    assert status == 404 and "A404" in body["error"]


async def test_login_adds_the_skill_queues_with_penalties(
    ami_api: AmiApi, ami_sim: AmiSimulator, ami_hotline: Hotline
) -> None:
    status, body = await ami_api("POST", "/api/agents/A002/login", as_agent="A002")
    assert status == 200
    assert body == {
        "agent": "A002",
        "queues": [{"queue": "general", "penalty": 0}, {"queue": "repair", "penalty": 1}],
    }
    sent = [
        (a["Queue"], a["Interface"], a["Penalty"], a["MemberName"], a["StateInterface"])
        for a in ami_sim.actions_named("QueueAdd")
    ]
    assert sent == [
        ("general-enquiry", "PJSIP/8002", "0", "A002", "PJSIP/8002"),
        ("repair", "PJSIP/8002", "1", "A002", "PJSIP/8002"),
    ]
    await until(lambda: agent_view(ami_hotline, "A002") is not None)
    await until(lambda: len(agent_view(ami_hotline, "A002").queues) == 2)
    status, body = await ami_api("GET", "/api/agents", as_agent="A001")
    assert status == 200
    (a002,) = body["agents"]
    assert (a002["interface"], a002["status"], a002["queues"]) == (
        "PJSIP/8002",
        "available",
        {"general": 0, "repair": 1},
    )
    status, body = await ami_api("GET", "/api/queues", role="supervisor")
    assert [q["name"] for q in body["queues"]] == list(QUEUES)
    general = body["queues"][QUEUES.index("general")]
    assert (general["members"], general["available"], general["waiting"]) == (1, 1, [])
    # Logging in twice is harmless: Asterisk says "Already there", the API says so too.
    status, body = await ami_api("POST", "/api/agents/A002/login", as_agent="A002")
    assert status == 200 and len(ami_sim.actions_named("QueueAdd")) == 4


async def test_pause_with_a_reason_then_unpause_then_logout(
    ami_api: AmiApi, ami_sim: AmiSimulator, ami_hotline: Hotline
) -> None:
    status, body = await ami_api("POST", "/api/agents/A003/pause", as_agent="A003")
    assert status == 409 and "not logged in" in body["error"]
    await ami_api("POST", "/api/agents/A003/login", as_agent="A003")
    status, body = await ami_api(
        "POST", "/api/agents/A003/pause", as_agent="A003", json={"reason": "lunch"}
    )
    assert status == 200 and body == {"agent": "A003", "paused": True, "reason": "lunch"}
    pause = ami_sim.actions_named("QueuePause")[-1]
    assert (pause["Interface"], pause["Paused"], pause["Reason"]) == ("PJSIP/8003", "true", "lunch")
    assert "Queue" not in pause  # all the agent's queues at once
    await until(lambda: agent_view(ami_hotline, "A003").paused)
    status, body = await ami_api("GET", "/api/agents", role="supervisor")
    assert (body["agents"][0]["status"], body["agents"][0]["paused_reason"]) == ("paused", "lunch")

    status, _ = await ami_api("POST", "/api/agents/A003/unpause", role="supervisor")
    assert status == 200 and ami_sim.actions_named("QueuePause")[-1]["Paused"] == "false"
    await until(lambda: not agent_view(ami_hotline, "A003").paused)

    status, body = await ami_api("POST", "/api/agents/A003/logout", as_agent="A003")
    assert status == 200 and body == {"agent": "A003", "removed_from": ["billing", "general"]}
    assert [a["Queue"] for a in ami_sim.actions_named("QueueRemove")] == [
        "billing",
        "general-enquiry",
    ]
    await until(lambda: agent_view(ami_hotline, "A003").status == "logged_out")
    status, body = await ami_api("POST", "/api/agents/A003/logout", as_agent="A003")
    assert status == 200 and body["removed_from"] == []


async def test_pause_reason_is_checked_before_anything_is_sent(
    ami_api: AmiApi, ami_sim: AmiSimulator
) -> None:
    await ami_api("POST", "/api/agents/A001/login", as_agent="A001")
    for reason in ("lunch\r\nAction: QueueRemove", "x" * 81, 42):
        status, body = await ami_api(
            "POST", "/api/agents/A001/pause", as_agent="A001", json={"reason": reason}
        )
        assert (status, body["field"]) == (400, "reason")
    status, body = await ami_api("POST", "/api/agents/A001/pause", as_agent="A001", data="{")
    assert status == 400
    assert ami_sim.actions_named("QueuePause") == []


async def test_service_level_range_validation_names_the_field(ami_api: AmiApi) -> None:
    path = "/api/stats/service-level"
    cases = [
        ({"to": "2025-08-07T00:00:00+08:00"}, "from"),
        ({"from": "2025-08-06T00:00:00+08:00"}, "to"),
        ({"from": "yesterday", "to": "2025-08-07T00:00:00+08:00"}, "from"),
        ({"from": "2025-08-06T00:00:00", "to": "2025-08-07T00:00:00+08:00"}, "from"),
        ({"from": "2025-08-07T00:00:00+08:00", "to": "2025-08-06T00:00:00+08:00"}, "to"),
    ]
    for params, field in cases:
        status, body = await ami_api("GET", path, role="supervisor", params=params)
        assert (status, body["field"]) == (400, field), params


async def test_health_and_live_routes_follow_the_ami_link(
    ami_api: AmiApi, ami_sim: AmiSimulator, ami_hotline: Hotline
) -> None:
    status, body = await ami_api("GET", "/api/health")
    assert status == 200 and body["ami"] == "up"
    assert ami_hotline.ami is not None
    ami_sim.answer_pings = False
    await ami_sim.stop()  # Asterisk gone: nothing listens any more
    await until(lambda: ami_hotline.ami is not None and not ami_hotline.ami.is_up)
    status, body = await ami_api("GET", "/api/health")
    assert status == 200 and body["ami"] == "down"
    status, body = await ami_api("GET", "/api/queues", role="supervisor")
    assert status == 503 and "down" in body["error"]
    status, body = await ami_api("POST", "/api/agents/A001/login", as_agent="A001")
    assert status == 503
