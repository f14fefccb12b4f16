"""Calling windows on the national calendar (holidays, 调休), with a clock the test sets; the
retry rules and pacing admission as pure logic."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ivr.db.enums import AttemptResult, TargetState
from ivr.db.session import Database
from ivr.dialer.pacing import Pacer, Pacing
from ivr.dialer.retries import RetryRules
from ivr.dialer.windows import CallingWindow
from ivr.services.campaigns import TargetRow
from ivr.services.errors import ValidationError
from tests.dialer.rig import dialer_rig

SHANGHAI = ZoneInfo("Asia/Shanghai")
WORKDAYS = CallingWindow.parse({"start": "09:00", "end": "20:00", "days": "workdays"})


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(("now", "opens"), [
    (at("2026-02-13", "10:00"), at("2026-02-13", "10:00")),  # Friday, open
    (at("2026-02-13", "20:30"), at("2026-02-14", "09:00")),  # Saturday 14 Feb is 调休: works
    (at("2026-02-15", "08:00"), at("2026-02-24", "09:00")),  # Spring Festival off to the 23rd
    (at("2026-09-30", "21:00"), at("2026-10-08", "09:00")),  # National Day week
    (at("2026-11-21", "10:00"), at("2026-11-23", "09:00")),  # an ordinary weekend
])
def test_workday_window_follows_the_national_calendar(now: datetime, opens: datetime) -> None:
    assert WORKDAYS.next_open(now, SHANGHAI) == opens


def test_weekday_window_skips_public_holidays_unless_allowed() -> None:
    weekdays = CallingWindow.parse({"days": "weekdays", "weekdays": [1, 2, 3, 4, 5]})
    assert weekdays.next_open(at("2026-10-01", "10:00"), SHANGHAI) == at("2026-10-08", "09:00")
    holidays_too = CallingWindow.parse(
        {"days": "weekdays", "weekdays": [1, 2, 3, 4, 5], "holidays": True})
    assert holidays_too.next_open(at("2026-10-01", "10:00"), SHANGHAI) == at("2026-10-01",
                                                                               "10:00")


def test_bad_windows_are_refused_with_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        CallingWindow.parse({"start": "20:00", "end": "09:00"})
    assert caught.value.field == "window.end"


def test_retry_rules_per_result_and_the_last_attempt() -> None:
    rules = RetryRules.parse({"max_attempts": 3, "delays": {"busy": 60, "no_answer": 600}})
    assert rules.next_delay(AttemptResult.BUSY, 1) == timedelta(seconds=60)
    assert rules.next_delay(AttemptResult.NO_ANSWER, 2) == timedelta(seconds=600)
    assert rules.next_delay(AttemptResult.NO_ANSWER, 3) is None
    assert rules.next_delay(AttemptResult.ANSWERED, 1) is None
    with pytest.raises(ValidationError):
        RetryRules.parse({"delays": {"answered": 5}})


def test_pacer_admits_within_both_limits() -> None:
    now = [0.0]
    pacer = Pacer(Pacing(channels=3, per_second=2), clock=lambda: now[0])
    assert [pacer.try_start() for _ in range(3)] == [True, True, False]  # 2 per second
    now[0] = 1.0
    assert pacer.try_start() and not pacer.try_start()  # 3 channels busy
    pacer.finished()
    assert pacer.room() == 1 and pacer.try_start()  # a channel is free, one start left
    assert pacer.room() == 0  # two started within [1.0, 2.0)
    pacer.finished()
    now[0] = 2.0
    assert pacer.room() == 1


async def test_nothing_is_dialled_outside_the_window(db: Database) -> None:
    clock = [at("2026-10-01", "10:00")]  # National Day: a holiday
    async with dialer_rig(db, clock=lambda: clock[0]) as rig:
        info = await rig.campaigns.create(
            name="holiday", kind="list", flow="survey",
            rules={"window": {"start": "09:00", "end": "20:00", "days": "workdays"}}, by="t")
        await rig.campaigns.add_targets(info.id, [TargetRow("+8613300000001")])
        await rig.campaigns.move(info.id, "start")
        for _ in range(10):
            await rig.dialer.step()
        assert rig.trunk.numbers == []
        clock[0] = at("2026-10-10", "09:00")  # Saturday made a working day (调休)
        await rig.settle(lambda ts: ts[0].state != TargetState.PENDING)
        assert rig.trunk.numbers == ["+8613300000001"]
