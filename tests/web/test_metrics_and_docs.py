"""/metrics for Prometheus and the OpenAPI description at /api/docs, over real HTTP."""

from __future__ import annotations

import aiohttp

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.services.tokens import Tokens
from tests.web.api_client import Request


async def _text(hotline: Hotline, path: str, token: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as session, session.get(
        f"http://127.0.0.1:{hotline.http_port}{path}", headers=headers
    ) as resp:
        return resp.status, await resp.text()


async def test_metrics_need_a_supervisor_token_and_carry_the_hotline_figures(
    hotline: Hotline, db: Database
) -> None:
    assert (await _text(hotline, "/metrics", None))[0] == 401
    agent = await Tokens(db).create("agent", "desk-1")
    assert (await _text(hotline, "/metrics", agent))[0] == 403
    scraper = await Tokens(db).create("supervisor", "prometheus")
    status, text = await _text(hotline, "/metrics", scraper)
    assert status == 200
    assert "ivr_calls_in_progress 0.0" in text
    assert "ivr_prompt_render_failures 0.0" in text
    assert "ivr_agent_answers_within_three_rings_today 0.0" in text
    assert "ivr_call_errors_today 0.0" in text


async def test_the_api_description_lists_every_api_route_with_its_roles(
    api: Request, hotline: Hotline
) -> None:
    status, docs = await api("GET", "/api/docs", role="dispatch")
    assert status == 200 and docs["openapi"].startswith("3.")
    close = docs["paths"]["/api/tickets/{id}/close"]["post"]
    assert close["x-roles"] == ["admin", "agent", "supervisor"]
    assert close["parameters"][0]["name"] == "id"
    assert docs["paths"]["/api/health"]["get"]["x-roles"] == ["public"]
    assert "security" not in docs["paths"]["/api/health"]["get"]
    assert hotline.web_runner is not None
    api_routes = {
        (r.method.lower(), r.resource.canonical)
        for r in hotline.web_runner.app.router.routes()
        if r.resource is not None and r.resource.canonical.startswith("/api/")
        and r.method != "HEAD"
    }
    listed = {(m, p) for p, ops in docs["paths"].items() for m in ops}
    assert len(listed) == len(api_routes)
    assert (await api("GET", "/api/docs"))[0] == 401
