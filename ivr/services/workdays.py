"""Working days on the Chinese national calendar, for work-order deadlines.

Complaints must be answered within working days (受理客户投诉后，1个工作日内联系客户，7个工作日内
答复): public holidays do not count, and weekend days the State Council makes working days (调休)
do. The `chinesecalendar` package carries the published calendar. For a year it does not cover
yet (the State Council publishes each year's calendar in the preceding November or December),
Monday to Friday count as working days and a warning is logged once per year, so deadlines in
such a year can come out early around holidays, never late.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache

import chinese_calendar

log = logging.getLogger(__name__)

_warned_years: set[int] = set()


@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    """True when `day` is a working day on the national calendar (or, past its end, Mon-Fri)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "the national holiday calendar does not cover %d yet: counting Monday to Friday "
                "as working days (update the chinesecalendar package)",
                day.year,
            )
        return day.weekday() < 5


def forget_lookups() -> None:
    """Forget the days already looked up and the years already warned about: the next lookup
    reads the calendar (and warns about a year it does not cover) afresh."""
    is_working_day.cache_clear()
    _warned_years.clear()


def add_working_days(start: datetime, n: int, tz: tzinfo) -> datetime:
    """The moment `n` working days after `start`: the same clock time in `tz`, `n` working days on.

    Days are counted in `tz` (the hotline's own zone), not UTC. A start on a holiday counts from
    the next working day: a complaint taken on a Sunday with n=1 is due Monday at the same time.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if n < 0:
        raise ValueError("n must not be negative")
    local = start.astimezone(tz)
    day = local.date()
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)
