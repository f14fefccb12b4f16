"""A running hotline whose flows directory is a copy, so the flows pages may edit and roll back
its files; with a chosen synthesizer (silent by default, espeak-ng for audio tests)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ivr.app import Hotline, start_hotline
from ivr.db.session import Database
from ivr.speech.tts import CachingSynthesizer, SilentSynthesizer
from tests.hotline import ROOT, hotline_settings


async def start_flow_hotline(database_url: str, tmp_path: Path, *, watch: bool = False,
                             synth: CachingSynthesizer | None = None) -> Hotline:
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    settings = hotline_settings(database_url, tmp_path, flows_dir=flows, demo_dir=ROOT / "demo")
    chosen = synth or SilentSynthesizer(settings.prompt_cache_dir)
    return await start_hotline(settings, synth=chosen, watch=watch, render=False)


@pytest.fixture
async def hotline(db: Database, database_url: str, tmp_path: Path) -> AsyncIterator[Hotline]:
    running = await start_flow_hotline(database_url, tmp_path)
    yield running
    await running.close()
