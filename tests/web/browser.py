"""Pages in a real headless chromium (Debian's), driven by Playwright; screenshots of every page
go to `var/screenshots/` (or IVR_TEST_SCREENSHOTS) for a person to look at."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = os.environ.get("IVR_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SHOTS = Path(os.environ.get("IVR_TEST_SCREENSHOTS", Path(__file__).parents[2] / "var/screenshots"))


def _chromium_present() -> bool:
    return Path(CHROMIUM).exists()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not _chromium_present():
        pytest.skip(f"no chromium at {CHROMIUM}: scripts/install --test installs Debian's")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        await launched.close()


async def screenshot(page: Page, name: str) -> Path:
    os.makedirs(SHOTS, exist_ok=True)
    path = SHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def sign_in_page(browser: Browser, base: str, name: str, password: str) -> Page:
    page = await browser.new_page(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    await page.goto(base + "/")
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    return page
