"""What a caller hears about an outage: an apology, the kind and cause, since when, when power
is back (today/tomorrow), an honest sentence without an estimate, load shedding as a schedule."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ivr.db.session import Database
from tests.conftest import CustomerFactory
from tests.hotline import Dial, add_outage

TZ = ZoneInfo("Asia/Shanghai")  # the hotline's time zone (Settings.timezone)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ)


def days(offset: int) -> date:
    return datetime.now(TZ).date() + timedelta(days=offset)


def announcements(prompts: list[str]) -> list[str]:
    return [p for p in prompts if p.startswith(("非常抱歉，", "温馨提示", "We are sorry, there",
                                                "We are sorry, under", "Please note"))]


async def test_fault_with_cause_and_estimate(
    call: Dial, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()
    await add_outage(db, cause="10千伏线路故障", starts_at=local(days(-1), 22),
                     restore_eta=local(days(1), 9, 30))
    t = await call("h")
    assert announcements(t.prompts) == [
        "非常抱歉，您所在的区域从昨天二十二点整起因故障停电，停电原因是10千伏线路故障。"
        "预计明天九点三十分恢复供电，给您带来不便，敬请谅解。"
    ]


async def test_no_estimate_is_said_honestly_and_a_missing_cause_left_out(
    call: Dial, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()
    await add_outage(db, cause="", starts_at=local(days(-1), 22), restore_eta=None)
    t = await call("h")
    assert announcements(t.prompts) == [
        "非常抱歉，您所在的区域从昨天二十二点整起因故障停电。工作人员正在全力处理，"
        "目前还无法确定恢复供电的时间，确定后我们会及时公告，敬请谅解。"
    ]


async def test_load_shedding_is_a_schedule_not_a_repair(
    call: Dial, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()
    await add_outage(db, id="L-1", kind="load_shedding", cause="电力供应紧张",
                     starts_at=local(days(-1), 22), restore_eta=local(days(1), 9, 30))
    await add_outage(db, id="L-2", kind="load_shedding", cause="",
                     starts_at=local(days(-1), 23), restore_eta=None)
    t = await call("1", "")
    said = announcements(t.prompts)
    assert said == [
        "非常抱歉，根据有序用电安排，您所在的区域从昨天二十二点整起暂停供电，"
        "计划明天九点三十分恢复供电。感谢您的理解和支持。",
        "非常抱歉，根据有序用电安排，您所在的区域从昨天二十三点整起暂停供电，"
        "恢复供电的时间将根据供电情况另行公告。感谢您的理解和支持。",
    ] * 2  # after the greeting, and again in the outage menu
    assert not [p for p in said if "抢修" in p or "工作人员" in p]


async def test_planned_outage_tomorrow_does_not_repeat_the_day(
    call: Dial, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()
    await add_outage(db, id="P-1", kind="planned", status="scheduled", cause="线路检修",
                     starts_at=local(days(1), 8), restore_eta=local(days(1), 18))
    t = await call("1", "")
    assert announcements(t.prompts) == [
        "温馨提示，您所在的区域将于明天八点整至十八点整因计划检修停电，停电原因是线路检修，"
        "请您提前做好准备，给您带来不便，敬请谅解。"
    ]


async def test_english_announcement(
    call: Dial, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()
    await add_outage(db, cause="", starts_at=local(days(0), 0, 0) - timedelta(minutes=30),
                     restore_eta=local(days(0), 23, 59))
    await add_outage(db, id="P-1", kind="planned", status="scheduled", cause="",
                     starts_at=local(days(3), 8), restore_eta=local(days(4), 18))
    t = await call("9", "1", "")
    said = announcements(t.prompts)
    assert said[0] == (
        "We are sorry, there has been a power outage in your area since yesterday at eleven "
        "thirty p.m., due to a fault. We expect power back today at eleven fifty-nine p.m., and "
        "we apologise for the inconvenience."
    )
    assert said[-1].startswith("Please note, power in your area will be off from ")
    assert said[-1].endswith(" at six p.m., for planned maintenance. Please prepare in advance. "
                             "We apologise for the inconvenience.")
    assert "today" not in said[-1] and "tomorrow" not in said[-1]
