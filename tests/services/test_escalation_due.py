"""When a follow-up's escalation is due: the end of office hours the same working day, or of
the next working day when taken after hours or on a non-working day (holidays and 调休 from
the official calendar)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from ivr.services.escalations import OFFICE_HOURS, escalation_due
from ivr.services.workdays import Schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOSE = OFFICE_HOURS[1]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


@pytest.mark.parametrize(("taken", "due", "same_day"), [
    # Tuesday 25 November 2025, in office hours and before they begin: that day.
    (_at(date(2025, 11, 25), 10), date(2025, 11, 25), True),
    (_at(date(2025, 11, 25), 6, 30), date(2025, 11, 25), True),
    (_at(date(2025, 11, 25), 17, 29), date(2025, 11, 25), True),
    # After office hours: the next working day; Friday evening: Monday.
    (_at(date(2025, 11, 25), 17, 30), date(2025, 11, 26), False),
    (_at(date(2025, 11, 28), 20), date(2025, 12, 1), False),
    # Saturday: Monday.
    (_at(date(2025, 11, 29), 10), date(2025, 12, 1), False),
    # National Day holiday (1-8 October 2025): the first working day after it.
    (_at(date(2025, 10, 3), 10), date(2025, 10, 9), False),
    # 调休: Sunday 28 September 2025 was a working day; Saturday 27th was not.
    (_at(date(2025, 9, 28), 9), date(2025, 9, 28), True),
    (_at(date(2025, 9, 27), 9), date(2025, 9, 28), False),
])
def test_due_the_same_working_day_or_the_next(taken: datetime, due: date,
                                              same_day: bool) -> None:
    result = escalation_due(taken, SHANGHAI)
    assert result.at == datetime.combine(due, CLOSE, tzinfo=SHANGHAI)
    assert result.same_day is same_day
    assert not result.provisional


def test_counts_in_the_hotline_zone_not_utc() -> None:
    # 01:00 UTC on Wednesday is 09:00 in Shanghai, in office hours: due that day.
    taken = datetime(2025, 11, 26, 1, 0, tzinfo=ZoneInfo("UTC"))
    assert escalation_due(taken, SHANGHAI).at == _at(date(2025, 11, 26), 17, 30)


def test_a_loaded_schedule_takes_precedence() -> None:
    # An administrator made Wednesday a holiday: an evening escalation on Tuesday waits for
    # Thursday.
    schedule = Schedule(days={date(2031, 3, 5): False}, years=frozenset({2031}))
    result = escalation_due(_at(date(2031, 3, 4), 18), SHANGHAI, schedule)
    assert result.at == _at(date(2031, 3, 6), 17, 30) and not result.provisional


def test_a_year_without_an_official_schedule_is_provisional() -> None:
    assert escalation_due(_at(date(2099, 3, 4), 10), SHANGHAI).provisional


def test_needs_an_aware_moment() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        escalation_due(datetime(2025, 11, 25, 10), SHANGHAI)
