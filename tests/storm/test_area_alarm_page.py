"""The busy-area alarm on the wallboard, in a real browser: calls about one area pass the
threshold and the wall offers the announcement drafted from the area's outage."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.services.users import Users
from tests.conftest import CustomerFactory
from tests.hotline import Dial, add_outage
from tests.web.browser import browser, screenshot, sign_in_page
from tests.web.staff import PASSWORD

__all__ = ["browser"]


async def test_a_busy_area_alarms_on_the_wallboard_with_its_draft(
    hotline: Hotline, call: Dial, db: Database, add_customer: CustomerFactory, browser: Browser
) -> None:
    await Users(db).add("duty", "supervisor", PASSWORD)
    await add_customer()
    await add_outage(db, cause="台风导致线路跳闸")
    page = await sign_in_page(browser, f"http://127.0.0.1:{hotline.http_port}", "duty",
                              PASSWORD)
    await page.wait_for_function("document.body.dataset.updated")
    await expect(page.locator("#area-alarms")).to_be_hidden()
    for _ in range(hotline.settings.alarm_area_calls_per_minute):
        await call("h")
    link = page.locator('#area-alarms a[data-area="城东"]')
    await expect(link).to_be_visible(timeout=8000)  # pushed within the feed's 3 s refresh
    await expect(page.locator("#alarms")).to_contain_text("城东")
    await screenshot(page, "wallboard-area-alarm")
    assert await link.get_attribute("data-draft") == (
        "/api/announcements/draft?area=%E5%9F%8E%E4%B8%9C")

    # the supervisor follows it: the outage page's form, drafted from the area's outage
    await link.click()
    form = page.locator("#announcement-form")
    await expect(form.locator('input[name="areas"]')).to_have_value("城东")
    await expect(form.locator('input[name="what_zh-CN"]')).to_have_value(
        "城东发生停电，原因是台风导致线路跳闸")
    await form.locator('input[name="doing_zh-CN"]').fill("抢修人员正在全力抢修，请远离断线")
    await screenshot(page, "outages-announcement-draft")
    await form.locator('button[type="submit"]').click()
    on = page.locator("#announcements-on li")
    await expect(on).to_have_count(1)
    await expect(on).to_contain_text("城东发生停电")
    await screenshot(page, "outages-announcement-on")
    t = await call("h")
    assert t.prompts[1].startswith("紧急通知：城东发生停电，原因是台风导致线路跳闸。"
                                   "抢修人员正在全力抢修，请远离断线。我们将于")

    # ended from the same page: callers no longer hear it
    await on.locator("button").click()
    await expect(page.locator("#announcements-on li")).to_have_count(0)
    assert not (await call("h")).prompts[1].startswith("紧急通知")
