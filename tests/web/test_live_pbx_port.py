"""The staff API against a fake `LivePbx`: the web layer needs nothing of AMI but that interface,
and each error the interface names becomes its own answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from ivr.db.session import Database
from ivr.flow.registry import FlowRegistry
from ivr.importer import import_csv
from ivr.services.agents import AgentInfo
from ivr.services.health import DatabaseHealth
from ivr.services.hotline_services import HotlineServices
from ivr.services.pbx import (
    AgentDataError,
    AgentNotLoggedIn,
    AgentView,
    LivePbx,
    Membership,
    PbxListener,
    PbxRefused,
    PbxUnavailable,
    QueueView,
)
from ivr.services.tokens import Tokens
from ivr.web.app import HealthSource, create_web_app
from tests.ami_hotline import AGENTS_CSV

FLOWS = Path(__file__).parents[2] / "flows"
PROMPTS = Path(__file__).parents[2] / "prompts"


class FakePbx:
    """A PBX whose agent actions all fail with `error` (or succeed when it is None)."""

    def __init__(self) -> None:
        self.error: Exception | None = None
        self.calls: list[tuple[str, str]] = []

    @property
    def is_up(self) -> bool:
        return True

    def queue_views(self, names: Sequence[str] = ()) -> list[QueueView]:
        return [QueueView(name, [], 0, 0, None) for name in names]

    def agent_views(self) -> list[AgentView]:
        return []

    def subscribe(self, listener: PbxListener) -> Callable[[], None]:
        return lambda: None

    async def log_in(self, agent: AgentInfo) -> list[Membership]:
        self._act("log_in", agent)
        return [Membership(skill, n, added=True) for n, skill in enumerate(agent.ranked_skills)]

    async def log_out(self, agent: AgentInfo) -> list[str]:
        self._act("log_out", agent)
        return []

    async def set_paused(self, agent: AgentInfo, paused: bool, reason: str = "") -> None:
        self._act("pause" if paused else "unpause", agent)

    def _act(self, name: str, agent: AgentInfo) -> None:
        self.calls.append((name, agent.agent))
        if self.error is not None:
            raise self.error


@pytest.fixture
async def api(db: Database, tmp_path: Path) -> AsyncIterator[tuple[FakePbx, Any]]:
    agents = tmp_path / "agents.csv"
    agents.write_text(AGENTS_CSV, encoding="utf-8")
    await import_csv(db, "agents", agents)
    token = await Tokens(db).create("supervisor", "boss")
    pbx = FakePbx()
    port: LivePbx = pbx  # the fake is checked against the interface like the AMI service
    health = HealthSource(
        database=DatabaseHealth(db).status,
        flows=FlowRegistry(FLOWS, PROMPTS),
        live_calls=lambda: 0,
    )
    services = HotlineServices.build(db, timezone="Asia/Shanghai", ring_seconds=5)
    app = create_web_app(services, health=health, timezone="Asia/Shanghai", pbx=port)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(base, headers=headers) as http:

        async def post(path: str) -> tuple[int, Any]:
            async with http.post(path) as resp:
                return resp.status, await resp.json()

        yield pbx, post
    await runner.cleanup()


@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        (None, 200, "A001"),
        (AgentDataError("unknown skill 'x'"), 409, "agent A001: unknown skill 'x'"),
        (AgentNotLoggedIn("agent A001 is not logged in to any queue"), 409, "not logged in"),
        (PbxRefused("QueuePause", "Interface not found"), 502, "refused QueuePause"),
        (PbxUnavailable("Asterisk did not answer in time"), 503, "try again"),
    ],
)
async def test_each_pbx_error_has_its_own_answer(
    api: tuple[FakePbx, Any], error: Exception | None, status: int, words: str
) -> None:
    pbx, post = api
    pbx.error = error
    got, body = await post("/api/agents/A001/pause")
    assert got == status
    assert words in (body.get("error") or body["agent"])
    assert pbx.calls == [("pause", "A001")]
