"""Every page in a real browser, in both languages, written to the screenshots directory for a
person to look at; each must render its own heading and no server error."""

from __future__ import annotations

from playwright.async_api import Browser

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.services.users import Users
from tests.hotline import hotline
from tests.web.browser import browser, screenshot, sign_in_page
from tests.web.staff import PASSWORD

__all__ = ["browser", "hotline"]


async def test_every_page_renders_in_chinese_and_english(
    hotline: Hotline, db: Database, browser: Browser
) -> None:
    base = f"http://127.0.0.1:{hotline.http_port}"
    page = await browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    await page.goto(base + "/")
    assert await page.locator("h1").inner_text() == "登录"
    await screenshot(page, "signin")
    await Users(db).add("root", "admin", PASSWORD)
    page = await sign_in_page(browser, base, "root", PASSWORD)
    assert page.url.endswith("/home")
    await screenshot(page, "home-admin")
    pages = {"/wallboard": "IVR 通话中", "/desk": "坐席工作台", "/outages": "停电信息",
             "/reports": "分时来电", "/campaigns": "新建外呼任务", "/surveys": "满意率",
             "/dnc": "免打扰名单"}
    for path, words in pages.items():
        response = await page.goto(base + path)
        assert response is not None and response.status == 200, path
        assert words in await page.content(), path
        await screenshot(page, f"zh{path.replace('/', '-')}")
    await page.click("text=English")
    await page.wait_for_load_state()
    english = {"/wallboard": "Calls in the IVR", "/desk": "Agent desk", "/outages": "Outages",
               "/reports": "Calls by hour", "/campaigns": "New campaign",
               "/surveys": "Satisfaction rate", "/dnc": "Do-not-call list"}
    for path, words in english.items():
        await page.goto(base + path)
        assert words in await page.content(), path
        await screenshot(page, f"en{path.replace('/', '-')}")
