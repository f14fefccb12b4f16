"""When a campaign may call: local hours, on working days by the national calendar (so a 调休
Saturday is a working day and a public holiday is not), or on chosen weekdays regardless."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Any

from ivr.services.errors import ValidationError
from ivr.services.workdays import NO_SCHEDULE, Schedule, day_allowed, next_opening


@dataclass(frozen=True)
class CallingWindow:
    start: time = time(9, 0)
    end: time = time(20, 0)
    # "workdays": working days of the national calendar (调休 included, holidays excluded);
    # "weekdays": the ISO weekdays listed, holidays excluded unless `holidays` is true.
    days: str = "workdays"
    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
    holidays: bool = False

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> CallingWindow:
        try:
            start = time.fromisoformat(str(raw.get("start", "09:00")))
            end = time.fromisoformat(str(raw.get("end", "20:00")))
        except ValueError:
            raise ValidationError("window", "start and end as HH:MM") from None
        if end <= start:
            raise ValidationError("window.end", "must be after start")
        days = str(raw.get("days", "workdays"))
        if days not in ("workdays", "weekdays", "every_day"):
            raise ValidationError("window.days", "workdays, weekdays or every_day")
        weekdays = tuple(int(d) for d in raw.get("weekdays", (1, 2, 3, 4, 5, 6, 7)))
        if not weekdays or any(not 1 <= d <= 7 for d in weekdays):
            raise ValidationError("window.weekdays", "ISO weekdays 1 (Monday) to 7")
        return cls(start, end, days, weekdays, bool(raw.get("holidays", False)))

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start.strftime("%H:%M"), "end": self.end.strftime("%H:%M"),
                "days": self.days, "weekdays": list(self.weekdays), "holidays": self.holidays}

    def day_allowed(self, day: date, schedule: Schedule = NO_SCHEDULE) -> bool:
        return day_allowed(day, self.days, self.weekdays, self.holidays, schedule)

    def next_open(
        self, now: datetime, tz: tzinfo, schedule: Schedule = NO_SCHEDULE
    ) -> datetime:
        """`now` if the window is open, else the next moment it opens (within 60 days)."""
        opening = next_opening(now, tz, self.start, self.end,
                               lambda day: self.day_allowed(day, schedule), 60)
        if opening is None:
            raise ValidationError("window", "no open day within 60 days")
        return opening


def is_open(window: CallingWindow, now: datetime, tz: tzinfo,
            schedule: Schedule = NO_SCHEDULE) -> bool:
    return window.next_open(now, tz, schedule) <= now


