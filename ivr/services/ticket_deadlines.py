"""When a work order is due, by its type: the service rules' working-day deadlines, and the
repair crew's arrival commitment in clock hours (a fault is attended day and night)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from ivr.db.enums import TicketType
from ivr.services.calendar import WorkingCalendar

# Working days: (contact the customer, give the resolution). 受理客户投诉后1个工作日内联系客户,
# 7个工作日内答复; 计费电能表校验5个工作日; 抄表数据异常7个工作日.
WORKING_DAY_DEADLINES: dict[TicketType, tuple[int | None, int | None]] = {
    TicketType.COMPLAINT: (1, 7),
    TicketType.METER_CHECK: (None, 5),
    TicketType.READING_DISPUTE: (None, 7),
}


@dataclass(frozen=True)
class Deadlines:
    contact_due: datetime | None
    resolve_due: datetime | None
    provisional: bool


NONE = Deadlines(None, None, provisional=False)


async def deadlines_for(
    kind: TicketType,
    start: datetime,
    *,
    tz: tzinfo,
    calendar: WorkingCalendar,
    repair_arrival: timedelta,
) -> Deadlines:
    if kind is TicketType.REPAIR:
        return Deadlines((start + repair_arrival).astimezone(UTC), None, provisional=False)
    contact_days, resolve_days = WORKING_DAY_DEADLINES.get(kind, (None, None))
    contact = None if contact_days is None else await calendar.deadline(start, contact_days, tz)
    resolve = None if resolve_days is None else await calendar.deadline(start, resolve_days, tz)
    return Deadlines(
        contact_due=contact.at.astimezone(UTC) if contact else None,
        resolve_due=resolve.at.astimezone(UTC) if resolve else None,
        provisional=any(d is not None and d.provisional for d in (contact, resolve)),
    )
