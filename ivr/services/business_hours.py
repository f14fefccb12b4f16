"""When each agent queue is staffed: local opening hours on chosen days, by the national
calendar (a 调休 Saturday is a working day, a public holiday is not).

A queue with no hours is staffed around the clock (the hotline itself is 7×24; it is the
business office and specialist teams that keep office hours). The emergency queue is always
open: a danger report must always reach a person.
"""

from __future__ import annotations

import time as monotonic_time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from typing import Any

from ivr.services.calendar import WorkingCalendar
from ivr.services.workdays import NO_SCHEDULE, Schedule, day_allowed, next_opening

ALWAYS_OPEN_QUEUES = frozenset({"emergency"})
DAYS = ("workdays", "weekdays", "every_day")
LOOKAHEAD_DAYS = 60  # the longest closure looked through (the Spring Festival is ~9 days)


class HoursError(ValueError):
    """A queue's hours that cannot be used; `key` names the field."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


@dataclass(frozen=True)
class QueueHours:
    opens: time
    closes: time
    # workdays: the national calendar's working days (调休 included, holidays excluded);
    # weekdays: the ISO weekdays listed, public holidays closed unless `holidays: open`;
    # every_day: every day of the year.
    days: str = "workdays"
    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5)
    holidays_open: bool = False

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> QueueHours:
        unknown = set(raw) - {"open", "close", "days", "weekdays", "holidays"}
        if unknown:
            raise HoursError(sorted(unknown)[0], "unknown key (keys: open, close, days, "
                                                 "weekdays, holidays)")
        try:
            opens = time.fromisoformat(str(raw.get("open", "")))
        except ValueError:
            raise HoursError("open", "a time as HH:MM") from None
        try:
            closes = time.fromisoformat(str(raw.get("close", "")))
        except ValueError:
            raise HoursError("close", "a time as HH:MM") from None
        if closes <= opens:
            raise HoursError("close", "must be after open (hours past midnight are not "
                                      "supported: leave the queue out to keep it open)")
        days = str(raw.get("days", "workdays"))
        if days not in DAYS:
            raise HoursError("days", f"one of {', '.join(DAYS)}")
        weekdays_raw = raw.get("weekdays", (1, 2, 3, 4, 5))
        if not isinstance(weekdays_raw, list | tuple) or not weekdays_raw or any(
            not isinstance(d, int) or not 1 <= d <= 7 for d in weekdays_raw
        ):
            raise HoursError("weekdays", "a list of ISO weekdays, 1 (Monday) to 7 (Sunday)")
        holidays = raw.get("holidays", "closed")
        if holidays not in ("open", "closed"):
            raise HoursError("holidays", "open or closed")
        return cls(opens, closes, days, tuple(weekdays_raw), holidays == "open")

    def day_open(self, day: date, schedule: Schedule = NO_SCHEDULE) -> bool:
        return day_allowed(day, self.days, self.weekdays, self.holidays_open, schedule)

    def next_open(self, now: datetime, tz: tzinfo,
                  schedule: Schedule = NO_SCHEDULE) -> datetime | None:
        """`now` while open, else when the queue next opens; None: not within 60 days."""
        return next_opening(now, tz, self.opens, self.closes,
                            lambda day: self.day_open(day, schedule), LOOKAHEAD_DAYS)


@dataclass(frozen=True)
class OpeningHours:
    """Hours per queue (the hotline's queue names); a queue not listed is always open."""

    queues: Mapping[str, QueueHours] = field(default_factory=dict)

    def next_open(self, queue: str, now: datetime, tz: tzinfo,
                  schedule: Schedule = NO_SCHEDULE) -> datetime | None:
        hours = self.queues.get(queue)
        if hours is None or queue in ALWAYS_OPEN_QUEUES:
            return now
        return hours.next_open(now, tz, schedule)


@dataclass
class QueueCalendar:
    """The loaded calendar days (调休 and holidays), read once a few minutes: every caller
    transferred in a storm must not cost a database query for it."""

    calendar: WorkingCalendar
    keep_seconds: float = 300.0
    _cached: tuple[float, int, Schedule] | None = None

    async def schedule(self, today: date) -> Schedule:
        now = monotonic_time.monotonic()
        cached = self._cached
        if cached is not None and cached[1] == today.year and now - cached[0] < self.keep_seconds:
            return cached[2]
        schedule = await self.calendar.schedule((today.year, today.year + 1))
        self._cached = (now, today.year, schedule)
        return schedule
