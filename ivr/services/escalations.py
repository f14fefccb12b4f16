"""When a follow-up call's escalation is due: a dissatisfied customer reaches a supervisor the
same working day. Taken on a working day before its office hours end, it is due when they end
that day; taken after they end, or on a weekend, holiday or other non-working day (调休 counted
from the working-day calendar), it is due when the next working day's office hours end: no
supervisor is on duty to take it sooner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from ivr.services.workdays import NO_SCHEDULE, Schedule, is_official, is_working_day

OFFICE_HOURS = (time(8, 30), time(17, 30))  # the supervisors' day shift, local time


@dataclass(frozen=True)
class EscalationDue:
    at: datetime
    same_day: bool  # False: taken after office hours or on a non-working day
    provisional: bool  # counted through a year with no official holiday schedule


def escalation_due(
    now: datetime, tz: tzinfo, schedule: Schedule = NO_SCHEDULE,
    office_hours: tuple[time, time] = OFFICE_HOURS,
) -> EscalationDue:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(tz)
    day, close = local.date(), office_hours[1]
    same_day = is_working_day(day, schedule) and local.time() < close
    provisional = not is_official(day.year, schedule)
    if not same_day:
        day += timedelta(days=1)
        while not is_working_day(day, schedule):
            provisional = provisional or not is_official(day.year, schedule)
            day += timedelta(days=1)
        provisional = provisional or not is_official(day.year, schedule)
    return EscalationDue(datetime.combine(day, close, tzinfo=tz), same_day, provisional)
