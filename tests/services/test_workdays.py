from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ivr.services import workdays
from ivr.services.workdays import add_working_days

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hour: int = 10) -> datetime:
    return datetime(y, m, d, hour, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # National Day + Mid-Autumn 2025: 1-8 Oct off; Sun 28 Sep and Sat 11 Oct are worked.
        (at(2025, 9, 30), 1, at(2025, 10, 9)),
        (at(2025, 9, 30), 7, at(2025, 10, 16)),  # 9, 10, 11 (Sat), 13, 14, 15, 16
        (at(2025, 9, 26), 1, at(2025, 9, 28)),  # Friday -> the make-up Sunday
        (at(2025, 10, 10), 1, at(2025, 10, 11)),  # Friday -> the make-up Saturday
        (at(2025, 10, 3), 1, at(2025, 10, 9)),  # taken during the holiday
        # National Day 2026: 1-7 Oct off; Sun 20 Sep and Sat 10 Oct are worked.
        (at(2026, 9, 30), 1, at(2026, 10, 8)),
        (at(2026, 9, 18), 1, at(2026, 9, 20)),
        (at(2026, 10, 9), 1, at(2026, 10, 10)),
        (at(2026, 10, 9), 2, at(2026, 10, 12)),
        (at(2025, 11, 21), 1, at(2025, 11, 24)),  # an ordinary weekend
        (at(2025, 11, 21), 0, at(2025, 11, 21)),
    ],
)
def test_add_working_days_on_the_national_calendar(
    start: datetime, days: int, due: datetime
) -> None:
    result = add_working_days(start, days, SHANGHAI)
    assert result == due
    assert result.tzinfo is not None


def test_days_are_counted_in_the_hotline_zone() -> None:
    # 20:00 UTC on Thursday 30 Sep 2026 is already 1 Oct (a holiday) in Beijing.
    start = datetime(2026, 9, 30, 20, 0, tzinfo=UTC)
    assert add_working_days(start, 1, SHANGHAI) == at(2026, 10, 8, hour=4)


def test_years_past_the_calendar_count_weekdays_and_warn_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    workdays.forget_lookups()
    with caplog.at_level(logging.WARNING, logger="ivr.services.workdays"):
        friday = at(2031, 1, 3)
        assert add_working_days(friday, 1, SHANGHAI) == at(2031, 1, 6)
        assert add_working_days(friday, 5, SHANGHAI) == friday + timedelta(days=7)
    warnings = [r for r in caplog.records if "2031" in r.getMessage()]
    assert len(warnings) == 1


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_working_days(datetime(2025, 1, 1), 1, SHANGHAI)
    with pytest.raises(ValueError, match="negative"):
        add_working_days(at(2025, 1, 2), -1, SHANGHAI)
