"""Prompts with values during calls: joined from fragments, never a sentence rendered for one
caller; an address not rendered ahead is not waited for. The hotline on a free port, the PBX
simulator as Asterisk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ivr.app import Hotline, start_hotline
from ivr.db.session import Database
from ivr.flow.context import FREE_TEXT_WAIT_S
from ivr.flow.prompts import load_prompts
from ivr.pbxsim.call import simulate_call
from ivr.services.calls import CallLog
from ivr.speech.joined import JOINED_PREFIX
from ivr.speech.tts import SilentSynthesizer
from tests.conftest import CustomerFactory
from tests.hotline import CALLER, ROOT, add_bills, hotline_settings

ZH = load_prompts(ROOT / "prompts").by_language["zh-CN"]
ADDRESS = "江宁市城东建设路12号"


class WatchedSynth(SilentSynthesizer):
    """The silent synthesizer, noting each text it renders; an address takes `address_s`."""

    def __init__(self, cache_dir: Path, address_s: float = 0.0) -> None:
        super().__init__(cache_dir)
        self.texts: list[str] = []
        self.address_s = address_s

    async def render(self, text: str, language: str) -> Path:
        if not await self.is_cached(text, language):
            self.texts.append(text)
            if text == ADDRESS:
                await asyncio.sleep(self.address_s)
        return await super().render(text, language)


async def running(database_url: str, data: Path, synth: WatchedSynth) -> Hotline:
    settings = hotline_settings(database_url, data)
    return await start_hotline(settings, synth=synth, watch=False, render=False)


@pytest.fixture
async def slow_address(db: Database, database_url: str,
                       tmp_path: Path) -> AsyncIterator[tuple[Hotline, WatchedSynth]]:
    synth = WatchedSynth(tmp_path / "prompt-cache", address_s=FREE_TEXT_WAIT_S + 0.5)
    hotline = await running(database_url, tmp_path, synth)
    try:
        yield hotline, synth
    finally:
        await hotline.close()


def played(t_exchanges: list[str]) -> list[str]:
    return [c.split()[2] for c in t_exchanges if c.upper().startswith("STREAM FILE")]


async def test_bill_sentences_are_joined_not_rendered_whole(
        slow_address: tuple[Hotline, WatchedSynth], db: Database,
        add_customer: CustomerFactory) -> None:
    hotline, synth = slow_address
    await add_customer()
    await add_bills(db)
    t = await simulate_call("127.0.0.1", hotline.agi_port, caller=CALLER, responses=("3", "h"))
    summary = next(p for p in t.prompts if p.startswith("您的账户当前欠费"))
    assert "一百一十四元三角" in summary
    assert summary not in synth.texts  # only its fragments were rendered
    assert {"您的账户当前欠费", "元", "角"} <= set(synth.texts)
    files = played(t.commands)
    assert sum(Path(f).name.startswith(JOINED_PREFIX) for f in files) == 2  # bill, payment
    rendered = len(synth.texts)
    again = await simulate_call("127.0.0.1", hotline.agi_port, caller=CALLER,
                                responses=("3", "h"))
    assert again.prompts == t.prompts and len(synth.texts) == rendered


async def test_address_not_rendered_ahead_is_not_waited_for(
        slow_address: tuple[Hotline, WatchedSynth], add_customer: CustomerFactory) -> None:
    hotline, synth = slow_address
    await add_customer(address=ADDRESS)
    first = await simulate_call("127.0.0.1", hotline.agi_port, caller=CALLER,
                                responses=("2", "h"))
    assert first.prompts[-1] == ZH["confirm_address_without_address"].text
    record = await CallLog(hotline.db).get(first.uniqueid)
    assert record is not None
    assert [e.data for e in record.events if e.kind == "spoken_without"] == [
        {"name": "confirm_address", "field": "address"}]
    await asyncio.sleep(0.8)  # the rendering went on after the caller stopped waiting
    second = await simulate_call("127.0.0.1", hotline.agi_port, caller=CALLER,
                                 responses=("2", "h"))
    assert second.prompts[-1] == ZH["confirm_address"].text.replace("{address:text}", ADDRESS)
    assert synth.texts.count(ADDRESS) == 1


async def test_the_server_renders_addresses_ahead(
        db: Database, database_url: str, tmp_path: Path, add_customer: CustomerFactory) -> None:
    await add_customer(address=ADDRESS)
    synth = WatchedSynth(tmp_path / "prompt-cache")
    hotline = await running(database_url, tmp_path, synth)
    try:
        hotline.render_addresses()
        for _ in range(100):
            if await synth.is_cached(ADDRESS, "zh-CN"):
                break
            await asyncio.sleep(0.05)
        t = await simulate_call("127.0.0.1", hotline.agi_port, caller=CALLER,
                                responses=("2", "h"))
    finally:
        await hotline.close()
    assert t.prompts[-1] == ZH["confirm_address"].text.replace("{address:text}", ADDRESS)
