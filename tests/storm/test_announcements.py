"""Emergency announcements end to end: switched on over the API (audio rendered then, in both
languages), heard through FastAGI right after the greeting by callers in the area (or by every
caller), then leave (self-served), a callback, or the menu; the per-area alarm and the draft."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.flow.announcements import announcement_values
from ivr.pbxsim.transcript import CallTranscript
from ivr.services.announcements import AnnouncementInput, Announcements
from ivr.services.calls import CallRecord
from ivr.services.tickets import Tickets
from ivr.speech.build import load_prompt_texts
from tests.conftest import CustomerFactory
from tests.hotline import ROOT, Dial, add_outage
from tests.storm.rig import callbacks
from tests.web.api_client import Request

TZ = ZoneInfo("Asia/Shanghai")
ZH = load_prompt_texts(ROOT / "prompts")["zh-CN"]
EN = load_prompt_texts(ROOT / "prompts")["en-US"]
Journey = Callable[[CallTranscript], Awaitable[CallRecord]]
NEXT = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
TEXTS = {"zh-CN": {"what": "受台风影响，城东多条线路跳闸停电", "doing": "抢修人员正在全力抢修。"},
         "en-US": {"what": "The typhoon tripped several lines in Chengdong",
                   "doing": "Our crews are working on them"}}


def body(**overrides: Any) -> dict[str, Any]:
    return {"areas": ["城东"], "texts": TEXTS, "next_update_at": NEXT.isoformat(),
            "expires_at": (NEXT + timedelta(hours=5)).isoformat()} | overrides


def spoken_zh() -> str:
    when = NEXT.astimezone(TZ)
    from ivr.speech.values import speak_value
    return (f"紧急通知：受台风影响，城东多条线路跳闸停电。抢修人员正在全力抢修。我们将于"
            f"{speak_value('datetime', when, 'zh-CN', tz=TZ)}发布最新消息。")


async def test_switched_on_it_is_heard_after_the_greeting_and_leaving_is_self_served(
    api: Request, call: Dial, hotline: Hotline, add_customer: CustomerFactory, journey: Journey
) -> None:
    await add_customer()
    status, created = await api("POST", "/api/announcements", role="dispatch", json=body())
    assert status == 201, created
    assert created["audio"] == {"zh-CN": "ok", "en-US": "ok"} and created["offered"] is True
    rendered = hotline.synth.rendered  # type: ignore[attr-defined]
    t = await call("h")  # hears it, then hangs up at the question
    assert t.prompts[:3] == [ZH["greeting"], spoken_zh(), ZH["announcement_menu"]]
    # rendered when switched on: nothing was rendered on the caller's path
    assert hotline.synth.rendered == rendered  # type: ignore[attr-defined]
    record = await journey(t)
    assert record.outcome == "self_served"
    heard = [e.data for e in record.events if e.kind == "announcement"]
    assert heard == [{"ids": [created["announcement"]["id"]], "area": "城东"}]


async def test_a_callback_after_the_announcement_is_a_work_order_in_the_callers_language(
    api: Request, call: Dial, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer(language="en-US")
    status, created = await api("POST", "/api/announcements", role="supervisor", json=body())
    assert status == 201
    t = await call("1")
    assert t.prompts[1].startswith("Emergency notice: The typhoon tripped several lines")
    assert any(p.startswith("We have registered a callback") for p in t.prompts)
    [target] = await callbacks(db)
    assert target.language == "en-US"
    order = await Tickets(db).get(target.ticket_id or 0)
    assert order is not None
    assert order.description == (
        f"callback asked after emergency announcement {created['announcement']['id']}")


async def test_going_on_reaches_the_outage_and_the_menu(
    api: Request, call: Dial, db: Database, add_customer: CustomerFactory, journey: Journey
) -> None:
    await add_customer()
    await add_outage(db)
    await api("POST", "/api/announcements", role="dispatch", json=body())
    t = await call("2", "h")
    assert t.prompts[2] == ZH["announcement_menu"]
    assert "故障停电" in t.prompts[3] and t.prompts[4] == ZH["main_menu"]
    assert (await journey(t)).outcome == "caller_hung_up"  # went on: no longer served by it


async def test_other_areas_and_unidentified_callers_hear_only_everyone_announcements(
    api: Request, call: Dial, add_customer: CustomerFactory
) -> None:
    await add_customer(area="城西")
    await api("POST", "/api/announcements", role="dispatch", json=body())
    assert (await call("h")).prompts == [ZH["greeting"], ZH["main_menu"]]
    assert (await call("h", caller=None)).prompts == [ZH["greeting"], ZH["main_menu"]]
    everyone = body(areas=[], everyone=True, next_update_at=None)
    assert (await api("POST", "/api/announcements", role="dispatch", json=everyone))[0] == 201
    t = await call("h", caller=None)
    assert t.prompts[1] == "紧急通知：受台风影响，城东多条线路跳闸停电。抢修人员正在全力抢修。"
    english = await call("9", "h", caller=None)
    assert english.prompts[1:3] == [
        EN["greeting_short"],
        "Emergency notice: The typhoon tripped several lines in Chengdong. Our crews are "
        "working on them."]


async def test_ended_or_expired_it_is_no_longer_heard(
    api: Request, call: Dial, hotline: Hotline, add_customer: CustomerFactory
) -> None:
    await add_customer()
    _, first = await api("POST", "/api/announcements", role="dispatch", json=body())
    status, ended = await api("POST", f"/api/announcements/{first['announcement']['id']}/end",
                              role="supervisor")
    assert status == 200 and ended["active"] is False and ended["ended_by"] == "test-supervisor"
    assert (await api("POST", f"/api/announcements/{ended['id']}/end", role="dispatch"))[0] == 409
    assert (await api("POST", "/api/announcements/999/end", role="dispatch"))[0] == 404
    assert (await call("h")).prompts == [ZH["greeting"], ZH["main_menu"]]
    await api("POST", "/api/announcements", role="dispatch", json=body())
    hotline.runner.clock = lambda: NEXT + timedelta(hours=6)  # past its expiry
    assert (await call("h")).prompts == [ZH["greeting"], ZH["main_menu"]]


async def test_one_switched_on_elsewhere_is_prepared_off_the_callers_path(
    call: Dial, hotline: Hotline, db: Database, add_customer: CustomerFactory
) -> None:
    """Switched on by another instance or the CLI: this instance renders it in the background
    and offers it from then on; no caller waits for the rendering."""
    await add_customer()
    await Announcements(db).create(AnnouncementInput(
        texts=TEXTS, expires_at=NEXT + timedelta(hours=1), areas=("城东",)), "elsewhere")
    first = await call("h")
    assert first.prompts == [ZH["greeting"], ZH["main_menu"]]
    # seen within the copy's refresh (5 s), then rendered off the caller's path
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        second = await call("h")
        if len(second.prompts) > 2 or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.2)
    assert second.prompts[1].startswith("紧急通知：受台风影响")


@pytest.mark.parametrize(("change", "field"), [
    ({"texts": {"zh-CN": TEXTS["zh-CN"]}}, "texts.en-US"),
    ({"texts": {**TEXTS, "fr-FR": TEXTS["en-US"]}}, "texts.fr-FR"),
    ({"texts": {**TEXTS, "zh-CN": {"what": " ", "doing": "x"}}}, "texts.zh-CN.what"),
    ({"areas": [], "everyone": False}, "areas"),
    ({"everyone": True}, "areas"),
    ({"expires_at": "2020-01-01T00:00:00+08:00"}, "expires_at"),
    ({"expires_at": "2026-12-30T00:00:00"}, "expires_at"),
    ({"next_update_at": (NEXT + timedelta(hours=9)).isoformat()}, "next_update_at"),
    ({"colour": "red"}, "colour"),
])
async def test_bad_announcements_are_refused_naming_the_field(
    api: Request, change: dict[str, Any], field: str
) -> None:
    status, found = await api("POST", "/api/announcements", role="dispatch", json=body(**change))
    assert status == 400 and found["field"] == field, found
    assert (await api("GET", "/api/announcements", role="dispatch"))[1]["announcements"] == []


@pytest.mark.parametrize(("method", "path", "role"), [
    ("POST", "/api/announcements", "agent"),
    ("POST", "/api/announcements", "survey"),
    ("GET", "/api/announcements/draft?area=x", "agent"),
    ("POST", "/api/announcements/1/end", "agent"),
    ("GET", "/api/announcements", "survey"),
])
async def test_roles(api: Request, method: str, path: str, role: str) -> None:
    assert (await api(method, path, role=role, json=body()))[0] == 403


async def test_busy_area_alarms_and_offers_a_draft_from_its_outage(
    api: Request, call: Dial, hotline: Hotline, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()
    await add_outage(db, cause="台风导致线路跳闸")
    rate = hotline.runner.services.announcements.rate
    limit = hotline.settings.alarm_area_calls_per_minute
    for _ in range(limit - 1):
        await call("h")
    _, metrics = await _metrics(hotline, api)
    assert 'ivr_area_calls_alarm{area="城东"} 0.0' in metrics
    await call("h")
    assert rate.per_minute(datetime.now(UTC)) == {"城东": limit}
    _, metrics = await _metrics(hotline, api)
    assert f'ivr_area_calls_last_minute{{area="城东"}} {float(limit)}' in metrics
    assert 'ivr_area_calls_alarm{area="城东"} 1.0' in metrics
    status, draft = await api("GET", "/api/announcements/draft?area=城东", role="supervisor")
    assert status == 200
    assert draft["areas"] == ["城东"] and draft["outage_id"] == "F-1"
    assert "台风导致线路跳闸" in draft["texts"]["zh-CN"]["what"]
    assert draft["texts"]["en-US"]["doing"].startswith("Our crews are working")
    # the draft is what the supervisor posts (after correcting it)
    status, posted = await api("POST", "/api/announcements", role="supervisor", json=draft)
    assert status == 201 and posted["announcement"]["outage_id"] == "F-1"
    assert (await api("GET", "/api/announcements/draft?area=城西", role="dispatch"))[0] == 404


_SCRAPES = iter(range(1000))


async def _metrics(hotline: Hotline, api: Request) -> tuple[int, str]:
    import aiohttp

    from ivr.services.tokens import Tokens
    token = await Tokens(hotline.db).create("supervisor", f"metrics-{next(_SCRAPES)}")
    async with aiohttp.ClientSession() as session, session.get(
        f"http://127.0.0.1:{hotline.http_port}/metrics",
        headers={"Authorization": f"Bearer {token}"}) as resp:
        return resp.status, await resp.text()


def test_the_words_rendered_ahead_are_the_words_played() -> None:
    from ivr.flow.flowset import load_flow_set
    from ivr.services.announcements import AnnouncementInfo, validate_announcement
    flows = load_flow_set(ROOT / "flows", ROOT / "prompts")
    now = datetime.now(UTC)
    texts = validate_announcement(AnnouncementInput(TEXTS, NEXT), now).texts  # as stored
    info = AnnouncementInfo(1, ("城东",), texts, NEXT, NEXT, None, now, "x", None, None)
    values = announcement_values(info, "zh-CN", TZ)
    assert flows.prompts.render("emergency_announcement", "zh-CN", values) == spoken_zh()


async def test_one_on_at_start_up_is_ready_for_the_first_caller(
    db: Database, database_url: str, tmp_path: Any, add_customer: CustomerFactory
) -> None:
    from ivr.app import start_hotline
    from ivr.speech.tts import SilentSynthesizer
    from tests.hotline import hotline_settings
    from tests.storm.rig import place

    await add_customer()
    await Announcements(db).create(AnnouncementInput(
        texts=TEXTS, expires_at=NEXT + timedelta(hours=1), areas=("城东",)), "before-restart")
    settings = hotline_settings(database_url, tmp_path)
    running = await start_hotline(settings, synth=SilentSynthesizer(settings.prompt_cache_dir),
                                  watch=False)
    try:
        first = await place(running, "h")
        assert first.prompts[1].startswith("紧急通知：受台风影响")
    finally:
        await running.close()


def test_a_draft_from_a_long_outage_is_postable_as_it_is() -> None:
    from ivr.db.enums import OutageKind, OutageStatus
    from ivr.services.announcements import draft_from_outage, validate_announcement
    from ivr.services.outages import OutageInfo
    now = datetime.now(UTC)
    outage = OutageInfo("F-9", OutageKind.FAULT, ("城北",), (), now - timedelta(hours=1),
                        now + timedelta(days=5), "", OutageStatus.ACTIVE, None, now)
    draft = draft_from_outage(outage, "城北", now, TZ)
    checked = validate_announcement(AnnouncementInput(
        draft["texts"], datetime.fromisoformat(draft["expires_at"]), draft["areas"],
        datetime.fromisoformat(draft["next_update_at"])), now)
    assert checked.expires_at == now + timedelta(hours=72)
    assert checked.texts["zh-CN"]["what"] == "城北发生停电"  # no cause given: none invented
