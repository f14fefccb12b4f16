"""A running hotline connected over AMI to the AMI simulator, with agents and API tokens.

Agents (from an agents file, skills in rank order): A001 repair then general, A002 general then
repair, A003 billing then general; phones PJSIP/8001..8003. Tokens: `api(..., role="supervisor")`
or `api(..., as_agent="A001")` (an agent token named for the agent).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ivr.app import Hotline, start_hotline
from ivr.db.session import Database
from ivr.importer import import_csv
from ivr.pbxsim.ami_server import AmiSimulator
from ivr.services.tokens import Tokens
from ivr.speech.tts import SilentSynthesizer
from tests.hotline import hotline_settings

AGENTS_CSV = (
    "agent,name,extension,skills,languages\n"
    "A001,Li Na,8001,repair;general,zh-CN\n"
    "A002,Wang Fang,8002,general;repair,zh-CN\n"
    "A003,Zhao Lei,8003,billing;general,zh-CN;en-US\n"
)

AmiApi = Callable[..., Awaitable[tuple[int, Any]]]


@pytest.fixture
async def ami_sim() -> AsyncIterator[AmiSimulator]:
    async with AmiSimulator() as simulator:
        yield simulator


@pytest.fixture
async def ami_hotline(
    db: Database, database_url: str, tmp_path: Path, ami_sim: AmiSimulator
) -> AsyncIterator[Hotline]:
    agents = tmp_path / "agents.csv"
    agents.write_text(AGENTS_CSV, encoding="utf-8")
    await import_csv(db, "agents", agents)
    settings = hotline_settings(database_url, tmp_path, ami_url=ami_sim.url)
    running = await start_hotline(
        settings, synth=SilentSynthesizer(settings.prompt_cache_dir), watch=False
    )
    try:
        assert running.ami is not None and await running.ami.client.wait_up(3)
        # The state is rebuilt from QueueStatus after login: events a test sends before that
        # would be replaced by the simulator's lists, as a resync replaces them in production.
        ami = running.ami
        for _ in range(300):
            if ami.resyncs:
                break
            await asyncio.sleep(0.01)
        assert ami.resyncs, "the AMI state was never synchronised after login"
        yield running
    finally:
        await running.close()


@pytest.fixture
async def ami_api(ami_hotline: Hotline, db: Database) -> AsyncIterator[AmiApi]:
    """`await ami_api(method, path, role=..., as_agent=..., **aiohttp kwargs)` -> (status, body)."""
    tokens = Tokens(db)
    by_role = {
        role: await tokens.create(role, f"test-{role}")
        for role in ("supervisor", "survey", "dispatch", "admin")
    }
    by_agent = {code: await tokens.create("agent", code) for code in ("A001", "A002", "A003")}
    base = f"http://127.0.0.1:{ami_hotline.http_port}"
    async with aiohttp.ClientSession() as session:

        async def request(
            method: str,
            path: str,
            role: str | None = None,
            as_agent: str | None = None,
            **kwargs: Any,
        ) -> tuple[int, Any]:
            headers = dict(kwargs.pop("headers", {}))  # e.g. a Content-Type of the test's own
            if role or as_agent:
                token = by_agent[as_agent] if as_agent else by_role[role or ""]
                headers["Authorization"] = f"Bearer {token}"
            async with session.request(method, base + path, headers=headers, **kwargs) as resp:
                body = await resp.json() if resp.content_type == "application/json" else None
                return resp.status, body

        yield request
