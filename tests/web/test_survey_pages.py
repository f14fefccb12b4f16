"""The survey team's pages in a real browser against the hotline as `ivr serve` runs it: a
campaign created and started from the page moves its progress bar while the dialer calls
through the AMI simulator; coverage, satisfaction charts and escalations from real closures
and survey answers; the do-not-call list; and the roles that may not open any of it."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from playwright.async_api import Browser, Page
from sqlalchemy import select, update

from ivr.app import Hotline
from ivr.db.enums import TargetState
from ivr.db.models import DialTarget, DoNotCall
from ivr.db.session import Database
from ivr.pbxsim.ami_outbound import Answer, OutboundTrunk
from ivr.pbxsim.ami_server import AmiSimulator
from ivr.services.campaigns import Campaigns
from ivr.services.survey_calls import OutboundTarget, SurveyCalls
from ivr.services.tickets import Tickets
from ivr.services.tokens import Tokens
from ivr.services.users import Users
from tests.ami_hotline import ami_hotline, ami_sim
from tests.hotline import hotline
from tests.web.browser import browser, screenshot, sign_in_page
from tests.web.staff import PASSWORD, SignIn, csrf_of, sign_in, staff

__all__ = ["ami_hotline", "ami_sim", "browser", "hotline", "sign_in", "staff"]

TZ = ZoneInfo("Asia/Shanghai")
NUMBERS = ["13900000001", "13900000002", "13900000003", "13900000004", "13900000005"]


async def _bar(page: Page, campaign: str) -> float:
    value = await page.locator(f"{campaign} .progress").get_attribute("aria-valuenow")
    return float(value or 0)


async def test_a_started_campaign_moves_its_progress_bar_while_the_dialer_calls(
    ami_hotline: Hotline, ami_sim: AmiSimulator, db: Database, browser: Browser
) -> None:
    # Nobody answers; one attempt each: every target ends unreachable after ringing 0.6 s.
    ami_sim.pbx.trunk = OutboundTrunk(plan=lambda n: Answer("no_answer", after=0.6))
    await Users(db).add("survey1", "survey", PASSWORD)
    base = f"http://127.0.0.1:{ami_hotline.http_port}"
    page = await sign_in_page(browser, base, "survey1", PASSWORD)
    assert page.url.endswith("/campaigns")
    form = page.locator("#campaign-form")
    await form.locator("input[name=name]").fill("十一月回访名单")
    await form.locator("select[name=kind]").select_option("list")
    await form.locator("select[name=flow]").select_option("survey")
    await form.locator("input[name=window_start]").fill("00:00")
    await form.locator("input[name=window_end]").fill("23:59")
    await form.locator("select[name=days]").select_option("every_day")
    await form.locator("input[name=channels]").fill("1")
    await form.locator("input[name=max_attempts]").fill("1")
    await form.locator("textarea[name=numbers]").fill("\n".join(NUMBERS))
    await form.locator("button[type=submit]").click()
    await page.wait_for_load_state()
    row = page.locator("#campaigns tr[data-campaign]")
    assert await row.count() == 1
    campaign = f"#campaign-{await row.get_attribute('data-campaign')}"
    assert await page.locator(f"{campaign} .total").inner_text() == "5"
    assert await page.locator(f"{campaign} .status").get_attribute("data-status") == "draft"
    await screenshot(page, "campaigns-draft")

    await page.locator(f"{campaign} form[data-action=start] button").click()
    await page.wait_for_load_state()
    await page.evaluate("window.sameDocument = true")  # gone if the page reloads
    seen: list[float] = []
    async with asyncio.timeout(30):
        while not seen or seen[-1] < 100:
            value = await _bar(page, campaign)
            if not seen or value != seen[-1]:
                seen.append(value)
                if 0 < value < 100 and len(seen) == 2:
                    await screenshot(page, "campaigns-running")
            await asyncio.sleep(0.1)
    assert await page.evaluate("window.sameDocument") is True
    assert any(0 < v < 100 for v in seen), seen  # it moved, not just jumped to the end
    assert seen == sorted(seen)
    assert await page.locator(f"{campaign} [data-state=unreachable] b").inner_text() == "5"
    assert ami_sim.pbx.trunk.numbers and len(ami_sim.pbx.trunk.numbers) == 5
    # paused and stopped from the page, the buttons following the state
    await page.locator(f"{campaign} form[data-action=pause] button").click()
    await page.wait_for_load_state()
    assert await page.locator(f"{campaign} .status").get_attribute("data-status") == "paused"
    assert await page.locator(f"{campaign} form[data-action=pause]").is_hidden()
    await page.locator(f"{campaign} form[data-action=stop] button").click()
    await page.wait_for_load_state()
    assert await page.locator(f"{campaign} .status").get_attribute("data-status") == "stopped"
    await screenshot(page, "campaigns-done")


async def _answered_follow_ups(db: Database) -> list[str]:
    """Four repairs closed and followed up (scores 5, 4, 2 and "not resolved" with 3), one
    complaint closed and not yet called; returns the repairs' numbers."""
    tickets = Tickets(db, "Asia/Shanghai")
    calls = SurveyCalls(db, tickets, Campaigns(db))
    numbers = []
    for kind in ("repair",) * 4 + ("complaint",):
        order = await tickets.open(kind, account=None, caller="+8613800138000",
                                   description="no power", call_uniqueid=None)
        await tickets.close(order.number, "fuse replaced", by="crew")
        numbers.append(order.number)
    async with db.sessionmaker() as session, session.begin():
        targets = list(await session.scalars(select(DialTarget).order_by(DialTarget.id)))
        assert len(targets) == 5  # one follow-up per closure
        await session.execute(update(DialTarget).where(DialTarget.id.in_(
            [t.id for t in targets[:4]])).values(state=TargetState.DIALLING))
    for target, number, (resolved, score) in zip(
            targets, numbers, [(True, 5), (True, 4), (True, 2), (False, 3)], strict=False):
        await calls.survey_answers(
            OutboundTarget(target.id, "follow_up", "survey", "zh-CN", target.number, number),
            resolved, score, None)
    return numbers[:4]


async def test_coverage_satisfaction_and_escalations_from_answered_follow_ups(
    hotline: Hotline, db: Database, browser: Browser
) -> None:
    repairs = await _answered_follow_ups(db)
    await Users(db).add("survey1", "survey", PASSWORD)
    base = f"http://127.0.0.1:{hotline.http_port}"
    page = await sign_in_page(browser, base, "survey1", PASSWORD)
    today = datetime.now(TZ).date()
    await page.goto(f"{base}/surveys?from={today - timedelta(days=1)}&to={today}")
    repair = page.locator("#coverage tr[data-type=repair]")
    assert await repair.locator(".closed").inner_text() == "4"
    assert await repair.locator(".followed").inner_text() == "4"
    assert await repair.locator(".percent").inner_text() == "100.0%"
    assert await repair.locator(".rate").inner_text() == "50.0%"  # 5 and 4 of four scores
    complaint = page.locator("#coverage tr[data-type=complaint]")
    assert await complaint.locator(".pending").inner_text() == "1"
    assert await complaint.locator(".percent").inner_text() == "0.0%"

    def option(chart: str) -> str:
        return f"echarts.getInstanceByDom(document.getElementById('{chart}')).getOption()"

    scores = await page.evaluate(f"{option('score-chart')}.series.map(s => s.data[0])")
    assert scores == [0, 1, 1, 1, 1]  # repairs scored 1..5
    covered = await page.evaluate(f"{option('coverage-chart')}.series.map(s => s.data)")
    assert covered[0][:2] == [4, 0] and covered[1][:2] == [0, 1]  # followed up, pending
    assert await page.locator("#score-chart svg path").count() >= 4
    assert await page.locator("#resolved-chart svg").count() == 1

    links = page.locator("#escalations a.escalation")
    escalations = await links.all_inner_texts()
    assert len(escalations) == 2 and all(n.startswith("E") for n in escalations)
    followed = await page.locator("#escalations a.followed").all_inner_texts()
    assert sorted(followed) == sorted(repairs[2:])  # score 2, unresolved
    assert "+86138****8000" in await page.locator("#escalations").inner_text()
    assert "13800138000" not in await page.content()  # the survey team sees no full number
    await screenshot(page, "surveys")
    await links.first.click()
    await page.wait_for_load_state()
    assert "/surveys/orders/" in page.url
    assert await page.locator("#order-status").inner_text() == "待处理"  # for a supervisor
    assert await page.locator("#follow-ups tbody tr").count() == 1
    await screenshot(page, "survey-order")


async def test_the_do_not_call_list_is_read_added_to_and_corrected(
    sign_in: SignIn, db: Database, hotline: Hotline, browser: Browser
) -> None:
    await Campaigns(db).do_not_call("+8613900000009", "pressed 9", "target 1")
    client = await sign_in("survey")
    async with client.get("/dnc") as resp:
        html = await resp.text()
        assert "+8613900000009" in html
    csrf = csrf_of(html)
    async with client.post("/dnc", data={"csrf": csrf, "number": "138 0013 8111",
                                         "reason": "asked on the phone"}) as resp:
        assert resp.status == 200 and "+8613800138111" in await resp.text()
    async with client.post("/dnc", data={"csrf": csrf, "number": "call me"}) as resp:
        assert resp.status == 400 and "not a phone number" in await resp.text()
    async with client.post("/dnc", data={"number": "13800138112"}) as resp:
        assert resp.status == 403  # no CSRF token
    async with client.post("/dnc/remove", data={"csrf": csrf, "number": "+8613900000009"}) as r:
        assert r.status == 200
    async with client.post("/dnc/remove", data={"csrf": csrf, "number": "+8613900000009"}) as r:
        assert r.status == 404
    async with db.sessionmaker() as session:
        assert [r.number for r in await session.scalars(select(DoNotCall))] == [
            "+8613800138111"]
        (entry,) = await session.scalars(select(DoNotCall))
        assert entry.source == "survey"  # who added it
    page = await sign_in_page(browser, f"http://127.0.0.1:{hotline.http_port}", "survey",
                              PASSWORD)
    await page.goto(f"http://127.0.0.1:{hotline.http_port}/dnc")
    assert await page.locator("#dnc-total").inner_text() == "1"
    await screenshot(page, "dnc")


@pytest.mark.parametrize("role", ["agent", "dispatch"])
async def test_agents_and_dispatch_may_not_open_the_survey_pages(
    sign_in: SignIn, role: str
) -> None:
    client = await sign_in(role)
    for path in ("/campaigns", "/campaigns/live", "/surveys", "/surveys/orders/R1", "/dnc"):
        async with client.get(path, allow_redirects=False) as resp:
            assert resp.status == 403, path
    async with client.get("/home") as resp:
        csrf = csrf_of(await resp.text())
    for path in ("/campaigns", "/campaigns/1/start", "/dnc", "/dnc/remove"):
        async with client.post(path, data={"csrf": csrf}, allow_redirects=False) as resp:
            assert resp.status == 403, path


async def test_the_survey_team_never_reaches_bills_or_the_callers_accounts(
    sign_in: SignIn, hotline: Hotline, db: Database
) -> None:
    client = await sign_in("survey")
    for path in ("/desk", "/wallboard", "/reports", "/reports/export.xlsx", "/outages"):
        async with client.get(path, allow_redirects=False) as resp:
            assert resp.status == 403, path  # the desk's screen pop holds account and bills
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/desk/feed")
    assert refused.value.status == 403
    token = await Tokens(db).create("survey", "survey-api")
    async with aiohttp.ClientSession() as api, api.get(
        f"http://127.0.0.1:{hotline.http_port}/api/calls/1.1",
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        assert resp.status == 403  # a call's journey carries what the caller heard of a bill
