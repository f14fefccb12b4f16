"""Queue hours with the working-day calendar (调休 included), through FastAGI and the shipped
flows: out of hours a person is not promised, the caller hears when the office opens, leaves a
callback or a voice message; danger, outages and repairs are served as always."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ivr.app import Hotline, start_hotline
from ivr.db.session import Database
from ivr.flow.flowset import load_flow_set
from ivr.flow.problems import FlowConfigError
from ivr.services.business_hours import HoursError, OpeningHours, QueueHours
from ivr.services.calendar import WorkingCalendar, calendar_entry
from ivr.services.tickets import Tickets
from ivr.services.workdays import Schedule
from ivr.speech.build import load_prompt_texts
from ivr.speech.tts import SilentSynthesizer
from tests.conftest import CustomerFactory
from tests.hotline import ROOT, add_outage, hotline_settings
from tests.storm.rig import callbacks, fixed_clock, place, queues_run, site_flows

TZ = ZoneInfo("Asia/Shanghai")
ZH = load_prompt_texts(ROOT / "prompts")["zh-CN"]
EN = load_prompt_texts(ROOT / "prompts")["en-US"]
# Every queue but the emergency one keeps office hours at this site.
OFFICE = """
general: {open: "08:30", close: "17:30", days: workdays}
billing: {open: "08:30", close: "17:30", days: workdays}
complaint: {open: "08:30", close: "17:30", days: workdays}
repair: {open: "08:30", close: "17:30", days: workdays}
"""
# Friday 2026-12-04 21:00 local: closed. The loaded calendar makes Saturday 5 December a
# make-up working day (调休) and Monday 7 December a holiday.
FRIDAY_NIGHT = datetime(2026, 12, 4, 21, 0, tzinfo=TZ)


@pytest.fixture
async def office(db: Database, database_url: str, tmp_path: Path) -> AsyncIterator[Hotline]:
    await WorkingCalendar(db).load([
        calendar_entry(date(2026, 12, 5), "workday", "调休"),
        calendar_entry(date(2026, 12, 7), "holiday", "test holiday"),
    ])
    settings = hotline_settings(database_url, tmp_path, flows_dir=site_flows(tmp_path, OFFICE))
    running = await start_hotline(settings, synth=SilentSynthesizer(settings.prompt_cache_dir),
                                  watch=False)
    running.runner.clock = fixed_clock(FRIDAY_NIGHT)
    yield running
    await running.close()


def test_hours_follow_the_calendar_with_make_up_days_and_holidays() -> None:
    hours = QueueHours.parse({"open": "08:30", "close": "17:30", "days": "workdays"})
    schedule = Schedule(days={date(2026, 12, 5): True, date(2026, 12, 7): False},
                        years=frozenset({2026}))
    # Friday night -> Saturday (调休 working day) morning
    assert hours.next_open(FRIDAY_NIGHT, TZ, schedule) == datetime(2026, 12, 5, 8, 30, tzinfo=TZ)
    # Saturday evening -> past Sunday and the Monday holiday, to Tuesday
    saturday_night = datetime(2026, 12, 5, 18, 0, tzinfo=TZ)
    assert hours.next_open(saturday_night, TZ, schedule) == datetime(2026, 12, 8, 8, 30,
                                                                     tzinfo=TZ)
    # open: now
    tuesday = datetime(2026, 12, 8, 9, 0, tzinfo=TZ)
    assert hours.next_open(tuesday, TZ, schedule) == tuesday
    # weekdays listed, holidays open: Monday the holiday opens; Saturday is not listed
    weekdays = QueueHours.parse({"open": "09:00", "close": "12:00", "days": "weekdays",
                                 "weekdays": [1, 2, 3, 4, 5], "holidays": "open"})
    assert weekdays.next_open(FRIDAY_NIGHT, TZ, schedule) == datetime(2026, 12, 7, 9, 0,
                                                                      tzinfo=TZ)
    # an unlisted queue, and the emergency queue whatever is written, are always open
    opening = OpeningHours({"billing": hours, "emergency": hours})
    assert opening.next_open("general", FRIDAY_NIGHT, TZ) == FRIDAY_NIGHT
    assert opening.next_open("emergency", FRIDAY_NIGHT, TZ) == FRIDAY_NIGHT


@pytest.mark.parametrize(("raw", "key"), [
    ({"open": "8:30", "close": "17:30"}, "open"),
    ({"open": "18:00", "close": "17:30"}, "close"),
    ({"open": "08:00", "close": "17:30", "days": "weekends"}, "days"),
    ({"open": "08:00", "close": "17:30", "days": "weekdays", "weekdays": [0, 8]}, "weekdays"),
    ({"open": "08:00", "close": "17:30", "holidays": "maybe"}, "holidays"),
    ({"open": "08:00", "close": "17:30", "hollidays": "open"}, "hollidays"),
])
def test_bad_hours_name_the_key(raw: dict[str, object], key: str) -> None:
    with pytest.raises(HoursError) as err:
        QueueHours.parse(raw)
    assert err.value.key == key


def test_flows_check_reports_bad_hours_with_file_and_line(tmp_path: Path) -> None:
    flows = site_flows(tmp_path, 'billing: {open: "08:30", close: "17:30"}\n'
                                 'emergency: {open: "08:30", close: "17:30"}\n'
                                 'biling: {open: "08:30", close: "17:30"}\n'
                                 'complaint: {open: "08:30", close: "07:00"}\n')
    with pytest.raises(FlowConfigError) as err:
        load_flow_set(flows, ROOT / "prompts")
    text = "\n".join(str(p) for p in err.value.problems)
    assert "hours/queues.yaml:2: emergency: always open" in text
    assert "hours/queues.yaml:3: biling: unknown queue (did you mean 'billing'?)" in text
    assert "hours/queues.yaml:4: complaint.close: must be after open" in text
    assert len(err.value.problems) == 3


def test_the_shipped_hours_load_and_keep_the_hotline_open() -> None:
    flows = load_flow_set(ROOT / "flows", ROOT / "prompts")
    assert flows.hours.next_open("general", FRIDAY_NIGHT, TZ) == FRIDAY_NIGHT


async def test_out_of_hours_a_person_becomes_a_callback_with_the_opening_time(
    office: Hotline, db: Database
) -> None:
    t = await place(office, "0", "1")  # main menu 0 (a person), then 1: call me back
    assert queues_run(t) == []  # nobody is there: no queue, no false promise
    closed = ZH["queue_closed"].replace("{opens_said:text}", "明天八点三十分")
    assert closed in t.prompts
    assert ZH["closed_menu"] in t.prompts
    assert any(p.startswith("我们已为您登记回电，工单号是") for p in t.prompts)
    targets = await callbacks(db)
    assert [(x.number, x.language) for x in targets] == [("+8613800138000", "zh-CN")]
    order = await Tickets(db).get(targets[0].ticket_id or 0)
    assert order is not None and "out of hours of queue general" in order.description


async def test_out_of_hours_english_caller_hears_the_next_opening_past_a_holiday(
    office: Hotline,
) -> None:
    office.runner.clock = fixed_clock(datetime(2026, 12, 5, 18, 0, tzinfo=TZ))  # Sat evening
    t = await place(office, "9", "0", "h")  # English, a person, then hangs up at the offer
    assert queues_run(t) == []
    said = [p for p in t.prompts if p.startswith("Our agents are not available")]
    # Sunday, then Monday the holiday: Tuesday 8 December
    assert said == ["Our agents are not available now and will be back December eighth at "
                    "eight thirty a.m., but outage information, fault reports and danger reports "
                    "are served as usual."]


async def test_out_of_hours_a_voice_message_becomes_a_work_order(
    office: Hotline, db: Database
) -> None:
    t = await place(office, "0", "2", "say:please check my meter reading")
    assert any(p.startswith("您的留言已记录，工单号是") for p in t.prompts)
    orders = await Tickets(db).search(type="enquiry")
    assert len(orders) == 1 and "voice message left out of hours" in orders[0].description
    assert await callbacks(db) == []


async def test_out_of_hours_danger_still_reaches_the_emergency_queue(office: Hotline) -> None:
    t = await place(office, "8", "say:a wire is down by the market")
    assert queues_run(t) == ["emergency"]
    assert ZH["queue_closed"].split("{")[0] not in "".join(t.prompts)


async def test_out_of_hours_outage_information_is_still_given(
    office: Hotline, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()
    await add_outage(db)
    t = await place(office, "h")
    assert any("故障停电" in p for p in t.prompts)


async def test_in_hours_the_queue_is_joined(office: Hotline) -> None:
    office.runner.clock = fixed_clock(datetime(2026, 12, 5, 10, 0, tzinfo=TZ))  # 调休 Saturday
    t = await place(office, "0")
    assert queues_run(t) == ["general-enquiry"]
