"""The running hotline's flow watcher survives any bad edit and any failure of its own."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ivr.app import Hotline, start_hotline
from ivr.db.session import Database
from ivr.flow.registry import FlowRegistry
from ivr.speech.tts import SilentSynthesizer
from tests.hotline import ROOT, hotline_settings


@pytest.fixture
async def watching(db: Database, database_url: str, tmp_path: Path) -> AsyncIterator[Hotline]:
    flows, prompts = tmp_path / "flows", tmp_path / "prompts"
    shutil.copytree(ROOT / "flows", flows)
    shutil.copytree(ROOT / "prompts", prompts)
    settings = hotline_settings(database_url, tmp_path, flows_dir=flows, prompts_dir=prompts,
                                shutdown_grace=1)
    running = await start_hotline(settings, synth=SilentSynthesizer(settings.prompt_cache_dir))
    await asyncio.sleep(0.3)  # let the watcher start before the edits
    yield running
    await running.close()


async def health(hotline: Hotline) -> dict[str, Any]:
    url = f"http://127.0.0.1:{hotline.http_port}/api/health"
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        body: dict[str, Any] = await resp.json()
        return body


async def wait_for(hotline: Hotline, check: Any, limit: float = 15) -> dict[str, Any]:
    async with asyncio.timeout(limit):
        while True:
            body = await health(hotline)
            if check(body):
                return body
            await asyncio.sleep(0.2)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


async def test_a_control_character_is_reported_and_later_edits_still_load(
    watching: Hotline,
) -> None:
    before = watching.registry.current().version
    path = watching.settings.flows_dir / "complaint.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("complaint received by the IVR", "complaint\x01 received"),
                    encoding="utf-8")
    body = await wait_for(watching, lambda b: b["flows_reload_problems"])
    assert body["status"] == "degraded"
    assert "complaint.yaml:" in body["flows_reload_problems"][0]
    assert body["flows_version"] == before  # the running flows stay
    path.write_text(good.replace("complaint received by the IVR", "complaint taken by the IVR"),
                    encoding="utf-8")
    body = await wait_for(watching, lambda b: b["flows_version"] != before)
    assert body["status"] == "ok" and body["flows_reload_problems"] == []


async def test_deep_nesting_is_reported_and_the_watcher_lives_on(watching: Hotline) -> None:
    before = watching.registry.current().version
    deep = watching.settings.flows_dir / "deep.yaml"
    deep.write_text("flow: deep\nnodes: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    body = await wait_for(watching, lambda b: b["flows_reload_problems"])
    assert "deep.yaml" in body["flows_reload_problems"][0]
    deep.unlink()
    edit(watching.settings.flows_dir / "complaint.yaml", "complaint received by the IVR",
         "complaint taken by the IVR")
    await wait_for(watching, lambda b: b["flows_version"] != before)
    assert all(not task.done() for task in watching._tasks)  # noqa: SLF001


async def test_a_failed_watcher_is_shown_and_restarted(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = FlowRegistry.watch
    failures = [RuntimeError("inotify gone")]

    async def flaky(self: FlowRegistry, stop: asyncio.Event | None = None) -> AsyncIterator[bool]:
        if failures:
            raise failures.pop()
        async for ok in original(self, stop):
            yield ok

    monkeypatch.setattr(FlowRegistry, "watch", flaky)
    monkeypatch.setattr("ivr.app.WATCH_RESTART_SECONDS", 0.1)
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    settings = hotline_settings(database_url, tmp_path, flows_dir=flows, shutdown_grace=1)
    hotline = await start_hotline(settings, synth=SilentSynthesizer(settings.prompt_cache_dir))
    try:
        body = await wait_for(hotline, lambda b: b["flows_reload_problems"])
        assert "RuntimeError: inotify gone" in body["flows_reload_problems"][0]
        before = hotline.registry.current().version
        await asyncio.sleep(0.5)  # the restarted watcher is running again
        edit(flows / "complaint.yaml", "complaint received by the IVR", "complaint taken")
        body = await wait_for(hotline, lambda b: b["flows_version"] != before)
        assert body["flows_reload_problems"] == []
    finally:
        await hotline.close()  # a watcher's failure never makes shutdown raise
