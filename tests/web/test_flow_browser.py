"""The flows pages in headless chromium: a supervisor lists the flows, edits one (a bad edit is
refused with its line), compares two versions, rolls back, opens the diagram and runs the
simulator from the main menu through the bill query, hearing real espeak-ng prompts while the
path lights up. Screenshots of each page go where the other page tests put theirs."""

from __future__ import annotations

import io
import wave
from array import array
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.speech.tts import EspeakSynthesizer
from tests.web.browser import browser, screenshot, sign_in_page
from tests.web.flow_hotline import start_flow_hotline
from tests.web.staff import PASSWORD, staff

__all__ = ["browser", "staff"]


@pytest.fixture
async def hotline(db: Database, database_url: str, tmp_path: Path) -> AsyncIterator[Hotline]:
    """With espeak-ng, so the simulator's prompts are real speech (rendered as they are asked
    for, as a fresh install would)."""
    async with EspeakSynthesizer(tmp_path / "prompt-cache", timeout=30.0) as synth:
        running = await start_flow_hotline(database_url, tmp_path, synth=synth)
        yield running
        await running.close()


def _measure(wav: bytes) -> tuple[float, float]:
    """(seconds, RMS of the 16-bit samples) of a WAV file."""
    with wave.open(io.BytesIO(wav)) as read:
        assert read.getsampwidth() == 2 and read.getnchannels() == 1
        frames = read.readframes(read.getnframes())
        seconds = read.getnframes() / read.getframerate()
    samples = array("h", frames)
    rms = (sum(s * s for s in samples) / max(1, len(samples))) ** 0.5
    return seconds, rms


async def _step(page: Page, heard_before: int) -> None:
    """Wait until the server has answered a step: new prompts heard, or the call over."""
    await page.wait_for_function(
        "n => document.querySelectorAll('#sim-heard li.heard').length > n "
        "|| document.getElementById('simulator').dataset.ended === 'yes'",
        arg=heard_before, timeout=120_000)
    await page.wait_for_function(
        "() => document.getElementById('sim-status').textContent !== '…'", timeout=120_000)


async def _heard(page: Page) -> int:
    return await page.locator("#sim-heard li.heard").count()


@pytest.mark.usefixtures("staff")
async def test_a_supervisor_edits_compares_rolls_back_and_simulates_a_flow(
    hotline: Hotline, browser: Browser
) -> None:
    base = f"http://127.0.0.1:{hotline.http_port}"
    page = await sign_in_page(browser, base, "supervisor", PASSWORD)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    await page.click("nav >> text=流程")
    assert page.url.endswith("/flows")
    assert await page.locator("#flows tr[data-flow=bill] .versions").inner_text() == "1"
    await screenshot(page, "zh-flows")

    # a bad edit is refused with its file and line, and nothing changes
    await page.goto(base + "/flows/bill/edit")
    original = await page.input_value("#yaml")
    await page.fill("#yaml", original.replace("next: say_payment", "next: say_paymnet"))
    await page.click("#edit-form button[type=submit]")
    problems = await page.locator("#edit-problems").inner_text()
    assert "bill.yaml:" in problems and "say_paymnet" in problems
    await screenshot(page, "zh-flow-edit-refused")
    # a good one goes live
    await page.fill("#yaml", original.replace("tries: 1\n", "tries: 2\n"))
    await page.click("#edit-form button[type=submit]")
    assert page.url.split("?")[0].endswith("/flows/bill")
    assert await page.locator("#versions tbody tr").count() == 2
    assert await page.locator("#versions tbody tr >> nth=0 >> .author").inner_text() == "supervisor"
    await screenshot(page, "zh-flow-versions")

    await page.click("#show-diff")
    assert "/flows/bill/diff?" in page.url
    assert await page.locator("#diff .del").first.inner_text() == "-    tries: 1"
    assert await page.locator("#diff .add").first.inner_text() == "+    tries: 2"
    await screenshot(page, "zh-flow-diff")

    await page.go_back()
    await page.locator("#versions tbody tr >> nth=1 >> button.rollback").click()
    await page.wait_for_load_state()
    assert await page.locator("#versions tbody tr").count() == 3
    assert await page.locator("#versions tbody tr >> nth=0 >> .source").inner_text() == "rollback"
    path = hotline.settings.flows_dir / "bill.yaml"
    assert path.read_text(encoding="utf-8") == original
    await screenshot(page, "zh-flow-rolled-back")

    # the diagram of the main menu, then a simulated call from the greeting to the bill
    await page.goto(base + "/flows/hotline/diagram")
    await page.wait_for_function("() => document.querySelector('#diagram canvas') !== null")
    await screenshot(page, "zh-flow-diagram")
    await page.fill("#sim-caller", "+8613700137000")  # not a demo customer: must verify
    await page.click("#sim-start")
    await _step(page, 0)
    assert await page.get_attribute("#simulator", "data-listening") == "prompt"  # the greeting
    before = await _heard(page)
    # typed over the greeting, heard at the main menu's speech prompt, matched to its phrases
    await page.fill("#sim-say", "电费")
    await page.click("#sim-send-say")
    await _step(page, before)
    await page.wait_for_function("() => document.getElementById('diagram-flow').textContent "
                                 "=== 'bill'")
    for keys in ("5100012300", "8000"):
        before = await _heard(page)
        await page.fill("#sim-keys", keys)
        await page.click("#sim-send-keys")
        await _step(page, before)
    assert await page.get_attribute("#simulator", "data-verified") == "yes"
    await page.wait_for_function(
        "() => (document.getElementById('diagram').dataset.lit || '').includes('say_bill')")
    lit = (await page.get_attribute("#diagram", "data-lit") or "").split(",")
    assert {"ask_account", "ask_last4", "check_last4", "summary", "say_bill"} <= set(lit)
    heard = await page.locator("#sim-heard li.heard").all_inner_texts()
    assert any("最近一期电费一百八十元九角四分" in text for text in heard)
    await screenshot(page, "zh-flow-simulator")

    # the bill's prompt as the browser plays it: real speech, of a plausible length
    bill_item = page.locator("#sim-heard li.heard", has_text="最近一期电费")
    src = await bill_item.locator("audio").get_attribute("src")
    assert src is not None and src.startswith("/flows/simulate/")
    response = await page.request.get(base + src)
    assert response.status == 200 and response.headers["content-type"] == "audio/wav"
    seconds, rms = _measure(await response.body())
    assert 4.0 < seconds < 60.0, seconds  # a sentence with an amount and two dates
    assert rms > 300, rms  # speech, not the silence a failed render would leave

    await page.click("text=English")
    await page.wait_for_load_state()
    for where, words in (("/flows", "Flow set version"),
                         ("/flows/bill", "Roll back to this"),
                         ("/flows/bill/diagram", "Simulator")):
        await page.goto(base + where)
        assert words in await page.content(), where
        await screenshot(page, "en" + where.replace("/", "-"))
    assert errors == []
