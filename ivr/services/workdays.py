"""Working days on the Chinese national calendar, for work-order deadlines.

Complaints must be answered within working days (受理客户投诉后，1个工作日内联系客户，7个工作日内
答复): public holidays do not count, and weekend days the State Council makes working days (调休)
do. The State Council publishes each year's schedule in the preceding November or December; the
`holidays` package carries the published ones, and an administrator can load a schedule the
package does not have yet (`ivr calendar import`), which then takes precedence for its year.

A year with neither is never guessed silently: days are counted on the statutory festivals the
package derives by rule (New Year's Day, the Spring Festival, ...) without any make-up working
days, and the deadline is marked provisional, so whoever reads it knows it may move.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from holidays.countries.china import China, ChinaStaticHolidays

log = logging.getLogger(__name__)

# The last year whose official schedule (holidays and 调休) the installed package carries.
PACKAGE_LAST_YEAR: int = max(ChinaStaticHolidays.special_public_holidays)

_warned_years: set[int] = set()


@dataclass(frozen=True)
class Schedule:
    """Official days loaded by an administrator: day -> working (True) or holiday (False), and
    the years those days cover (a covered year's other days follow the Monday-Friday week)."""

    days: Mapping[date, bool] = field(default_factory=dict)
    years: frozenset[int] = frozenset()


NO_SCHEDULE = Schedule()


@dataclass(frozen=True)
class Deadline:
    at: datetime
    provisional: bool  # counted through a year with no official schedule


def package_covers(year: int) -> bool:
    return year <= PACKAGE_LAST_YEAR


def is_official(year: int, schedule: Schedule = NO_SCHEDULE) -> bool:
    """True when the year's official schedule is known (loaded, or in the package)."""
    return year in schedule.years or package_covers(year)


@lru_cache(maxsize=64)
def _package_year(year: int) -> China:
    return China(years=year)  # type: ignore[no-untyped-call]  # the package leaves it untyped


def is_working_day(day: date, schedule: Schedule = NO_SCHEDULE) -> bool:
    """True when `day` is a working day: the loaded schedule first, then the package."""
    if day.year in schedule.years:
        working = schedule.days.get(day)
        return working if working is not None else day.weekday() < 5
    return bool(_package_year(day.year).is_working_day(day))


def forget_lookups() -> None:
    """Forget the years already warned about: the next provisional deadline warns afresh."""
    _warned_years.clear()


def working_deadline(
    start: datetime, n: int, tz: tzinfo, schedule: Schedule = NO_SCHEDULE
) -> Deadline:
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
    provisional = False
    while remaining:
        day += timedelta(days=1)
        if not is_official(day.year, schedule):
            provisional = True
            _warn_once(day.year)
        if is_working_day(day, schedule):
            remaining -= 1
    at = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)
    return Deadline(at=at, provisional=provisional)


def add_working_days(
    start: datetime, n: int, tz: tzinfo, schedule: Schedule = NO_SCHEDULE
) -> datetime:
    return working_deadline(start, n, tz, schedule).at


def _warn_once(year: int) -> None:
    if year not in _warned_years:
        _warned_years.add(year)
        log.warning(
            "no official holiday schedule for %d: deadlines in it count the statutory holidays "
            "without make-up working days and are marked provisional (load the schedule with "
            "`ivr calendar import`)",
            year,
        )


def day_allowed(day: date, days: str, weekdays: Collection[int], holidays_open: bool,
                schedule: Schedule = NO_SCHEDULE) -> bool:
    """Whether a day of `days` ("every_day", "workdays", or the listed ISO `weekdays`) is open:
    the calling windows of campaigns and the hours of queues read it the same way."""
    if days == "every_day":
        return True
    if days == "workdays":
        return is_working_day(day, schedule)
    if day.isoweekday() not in weekdays:
        return False
    # A public holiday is a day off even on a listed weekday, unless holidays are open.
    return holidays_open or day.isoweekday() >= 6 or is_working_day(day, schedule)


def next_opening(now: datetime, tz: tzinfo, opens: time, closes: time,
                 allowed: Callable[[date], bool], lookahead: int) -> datetime | None:
    """`now` while a daily window is open, else when it next opens; None: not within
    `lookahead` days."""
    local = now.astimezone(tz)
    for offset in range(lookahead):
        day = local.date() + timedelta(days=offset)
        if not allowed(day):
            continue
        if offset == 0 and local >= datetime.combine(day, closes, tz):
            continue
        return max(datetime.combine(day, opens, tz), local)
    return None
