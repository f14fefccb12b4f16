"""The wallboard in a real browser: a supervisor signs in and watches it follow the PBX."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.pbxsim.ami_server import AmiSimulator
from ivr.services.users import Users
from tests.ami_hotline import ami_hotline, ami_sim
from tests.web.browser import browser, screenshot, sign_in_page
from tests.web.staff import PASSWORD

__all__ = ["ami_hotline", "ami_sim", "browser"]

UID = "1754450000.101"
CALL = {"Uniqueid": UID, "Channel": "PJSIP/carrier-00000065", "CallerIDNum": "13800138000"}


async def tile(page: Page, key: str) -> str:
    return (await page.locator(f'[data-k="{key}"]').inner_text()).strip()


async def test_the_wallboard_follows_a_call_into_a_queue_and_to_an_agent(
    ami_hotline: Hotline, ami_sim: AmiSimulator, db: Database, browser: Browser
) -> None:
    await Users(db).add("duty", "supervisor", PASSWORD)
    base = f"http://127.0.0.1:{ami_hotline.http_port}"
    page = await sign_in_page(browser, base, "duty", PASSWORD)
    assert page.url.endswith("/wallboard")
    await expect(page.locator('[data-k="waiting"]')).to_have_text("0")
    await page.wait_for_function("document.body.dataset.updated")  # the feed is live
    await screenshot(page, "wallboard-quiet")

    await ami_sim.emit({"Event": "QueueMemberAdded", "Queue": "repair", "MemberName": "A001",
                        "Interface": "PJSIP/8001", "Status": "1", "Paused": "0"})
    await ami_sim.emit({"Event": "Newchannel", "Context": "hotline-inbound",
                        "ChannelStateDesc": "Up", **CALL})
    await ami_sim.emit({"Event": "QueueCallerJoin", "Queue": "repair", "Position": "1", **CALL})
    await expect(page.locator('[data-k="waiting"]')).to_have_text("1", timeout=5000)
    await expect(page.locator("#queues")).to_contain_text("repair")
    # the chart (vendored ECharts) is redrawn from the pushed figures, not only the tiles; it is
    # redrawn at most once a second, so it may follow the tiles by up to that
    await page.wait_for_function(
        "(() => { const o = echarts.getInstanceByDom(document.getElementById('chart'))"
        ".getOption(); return o.series[0].data[o.xAxis[0].data.indexOf('repair')] === 1; })()",
        timeout=5000)
    assert await page.locator("#chart svg").count() == 1
    await screenshot(page, "wallboard-caller-waiting")

    await ami_sim.emit({"Event": "AgentCalled", "Queue": "repair", "MemberName": "A001",
                        "Interface": "PJSIP/8001", **CALL})
    await ami_sim.emit({"Event": "QueueCallerLeave", "Queue": "repair", **CALL})
    await ami_sim.emit({"Event": "AgentConnect", "Queue": "repair", "MemberName": "A001",
                        "Interface": "PJSIP/8001", "HoldTime": "3", **CALL})
    await expect(page.locator('[data-k="waiting"]')).to_have_text("0", timeout=5000)
    await expect(page.locator("#agent-states")).to_contain_text("on_call: 1")
    await expect(page.locator("#agents")).to_contain_text("A001")
    await screenshot(page, "wallboard-agent-answered")


async def test_a_wallboard_alarm_shows_when_a_caller_waits_too_long(
    ami_hotline: Hotline, ami_sim: AmiSimulator, db: Database, browser: Browser
) -> None:
    await Users(db).add("duty", "supervisor", PASSWORD)
    base = f"http://127.0.0.1:{ami_hotline.http_port}"
    page = await sign_in_page(browser, base, "duty", PASSWORD)
    # a caller who joined long ago (the event's own timestamp says when)
    await ami_sim.replay([{"Event": "QueueCallerJoin", "Queue": "general", "Position": "1",
                           "Timestamp": "1000000000.0", **CALL}])
    await expect(page.locator("#alarms")).to_be_visible(timeout=5000)
    await expect(page.locator("#queues .alarm-row")).to_contain_text("general")
    await screenshot(page, "wallboard-alarm")
