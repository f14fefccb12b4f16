"""The agent desk in a real browser: the screen pop for a routed call, and what is done from it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.async_api import Browser, expect

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.pbxsim.ami_server import AmiSimulator
from ivr.services.calls import CallLog, JourneyEvent
from ivr.services.hotline_services import HotlineServices
from ivr.services.tickets import Tickets
from ivr.services.users import Users
from ivr.services.wrapups import Wrapups
from ivr.web.pages.screen_pop import build_pop
from tests.ami_hotline import ami_hotline, ami_sim
from tests.conftest import CustomerFactory
from tests.web.browser import browser, screenshot, sign_in_page
from tests.web.staff import PASSWORD

__all__ = ["ami_hotline", "ami_sim", "browser"]

UID = "1754450000.202"


async def ivr_journey(db: Database, *, verified: bool) -> None:
    """What the IVR writes as it hands a call to the repair queue."""
    at = datetime.now(UTC)
    calls = CallLog(db)
    await calls.start(UID, "+8613800138000", "zh-CN", "hotline", "test", at, answered_at=at)
    await calls.append(UID, [
        JourneyEvent(at, "prompt", {"name": "greeting", "text": "您好，这里是95598"}),
        JourneyEvent(at, "keys", {"keys": "2"}),
        JourneyEvent(at, "transfer", {"queue": "repair", "priority": 0, "verified": verified}),
    ], 1)
    await calls.handed_over(UID, queue="repair", account="5100012345")


async def test_an_agent_gets_the_screen_pop_the_moment_a_call_rings_them(
    ami_hotline: Hotline, ami_sim: AmiSimulator, db: Database, browser: Browser,
    add_customer: CustomerFactory,
) -> None:
    await add_customer()
    await ivr_journey(db, verified=True)
    await Users(db).add("A001", "agent", PASSWORD)
    page = await sign_in_page(browser, f"http://127.0.0.1:{ami_hotline.http_port}", "A001",
                              PASSWORD)
    assert page.url.endswith("/desk")
    await page.wait_for_function("document.body.dataset.live === '1'")
    await screenshot(page, "desk-waiting")

    await ami_sim.emit({"Event": "AgentCalled", "Queue": "repair", "MemberName": "A001",
                        "Interface": "PJSIP/8001", "Uniqueid": UID,
                        "CallerIDNum": "+8613800138000"})
    await expect(page.locator("#pop-account")).to_have_text("5100012345", timeout=5000)
    await expect(page.locator("#pop-address")).to_contain_text("建设路12号")
    await expect(page.locator("#pop-verified")).to_have_attribute("data-verified", "true")
    await expect(page.locator("#pop-journey")).to_contain_text("keys: 2")
    await expect(page.locator("#pop-language")).to_have_text("zh-CN")
    await screenshot(page, "desk-screen-pop")

    await page.select_option("#order-form select[name=type]", "repair")
    await page.fill("#order-form textarea[name=description]", "整栋楼停电")
    await page.click("#order-form button")
    await expect(page.locator("#order-result")).to_have_text(
        re.compile(r"^R\d{8}-\d{4}$"), timeout=5000)
    number = await page.locator("#order-result").inner_text()
    ticket = await Tickets(db).get(number)
    assert ticket is not None and ticket.owner == "A001" and ticket.call_uniqueid == UID
    assert ticket.account == "5100012345"

    await page.select_option("#wrapup-form select[name=code]", "callback")
    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    await page.fill("#wrapup-form input[name=callback_at]", tomorrow)
    await page.fill("#wrapup-form input[name=callback_number]", "13800138000")
    await page.click("#wrapup-form button")
    await expect(page.locator("#wrapup-result")).to_have_text("callback", timeout=5000)
    (saved,) = await Wrapups(db).for_call(UID)
    assert saved.agent == "A001" and saved.callback_number == "+8613800138000"
    await screenshot(page, "desk-after-wrapup")


async def test_an_unverified_caller_pops_without_account_or_address(
    db: Database, add_customer: CustomerFactory
) -> None:
    services = HotlineServices.build(db, timezone="Asia/Shanghai", ring_seconds=5)
    await add_customer()
    await ivr_journey(db, verified=False)
    pop = await build_pop(services, UID, "+8613800138000")
    assert pop["verified"] is False
    assert pop["account"] == "51******45" and pop["address"] == ""
    assert pop["name"] == "张*"
    assert pop["area"] == "城东" and pop["journey"][-1].startswith("transfer")


async def test_a_page_post_without_the_csrf_header_is_refused(
    ami_hotline: Hotline, db: Database, browser: Browser
) -> None:
    await Users(db).add("A001", "agent", PASSWORD)
    page = await sign_in_page(browser, f"http://127.0.0.1:{ami_hotline.http_port}", "A001",
                              PASSWORD)
    status = await page.evaluate(
        """fetch('/desk/tickets', {method: 'POST', headers: {'Content-Type': 'application/json'},
           body: JSON.stringify({type: 'repair', description: 'x'})}).then(r => r.status)"""
    )
    assert status == 403


async def test_an_agent_logs_in_pauses_with_a_reason_and_logs_out_from_the_desk(
    ami_hotline: Hotline, ami_sim: AmiSimulator, db: Database, browser: Browser
) -> None:
    await Users(db).add("A001", "agent", PASSWORD)
    page = await sign_in_page(browser, f"http://127.0.0.1:{ami_hotline.http_port}", "A001",
                              PASSWORD)
    await page.click("#login")
    await expect(page.locator("#status")).to_have_text("available", timeout=5000)
    assert [a["Queue"] for a in ami_sim.actions_named("QueueAdd")] == [
        "repair", "general-enquiry"]
    await page.select_option("select[name=reason]", index=1)
    await page.click("#pause")
    await expect(page.locator("#status")).to_have_text("paused", timeout=5000)
    await expect(page.locator("#my-state")).to_contain_text("培训 training")
    await screenshot(page, "desk-paused")
    await page.click("#logout")
    await expect(page.locator("#status")).to_have_text("logged_out", timeout=5000)
