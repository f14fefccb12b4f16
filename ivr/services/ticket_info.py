"""What a work order looks like to its readers (API, flows, CLI): plain frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ivr.db.enums import TicketEventKind, TicketStatus, TicketType
from ivr.db.models import Ticket


@dataclass(frozen=True)
class TicketEventInfo:
    at: datetime
    by: str
    kind: TicketEventKind
    from_status: TicketStatus | None
    to_status: TicketStatus
    owner: str | None  # the owner after an assignment
    note: str


@dataclass(frozen=True)
class TicketInfo:
    id: int
    number: str
    type: TicketType
    status: TicketStatus
    owner: str | None
    account: str | None
    caller: str | None
    description: str
    outage_id: str | None
    priority: int
    call_uniqueid: str | None
    created_at: datetime
    contact_due: datetime | None  # for a repair: the crew's arrival commitment
    resolve_due: datetime | None
    deadline_provisional: bool  # a deadline fell in a year with no official holiday schedule
    contacted_at: datetime | None
    closed_at: datetime | None
    resolution: str | None
    overdue: bool  # at the moment it was read
    history: tuple[TicketEventInfo, ...]
    escalates: str | None = None  # an escalation: the number of the order followed up


def is_overdue(
    status: TicketStatus,
    contact_due: datetime | None,
    contacted_at: datetime | None,
    resolve_due: datetime | None,
    now: datetime,
) -> bool:
    """Open past its resolution deadline, or not contacted past its contact deadline."""
    if status is TicketStatus.CLOSED:
        return False
    late_contact = contact_due is not None and contacted_at is None and contact_due < now
    return late_contact or (resolve_due is not None and resolve_due < now)


def ticket_info(row: Ticket, now: datetime) -> TicketInfo:
    status = TicketStatus(row.status)
    return TicketInfo(
        id=row.id,
        number=row.number,
        type=TicketType(row.type),
        status=status,
        owner=row.owner,
        account=row.account,
        caller=row.caller,
        description=row.description,
        outage_id=row.outage_id,
        priority=row.priority,
        call_uniqueid=row.call_uniqueid,
        created_at=row.created_at,
        contact_due=row.contact_due,
        resolve_due=row.resolve_due,
        deadline_provisional=row.deadline_provisional,
        contacted_at=row.contacted_at,
        closed_at=row.closed_at,
        resolution=row.resolution,
        overdue=is_overdue(status, row.contact_due, row.contacted_at, row.resolve_due, now),
        escalates=row.escalates.number if row.escalates_id and row.escalates else None,
        history=tuple(
            TicketEventInfo(
                at=e.at,
                by=e.by,
                kind=TicketEventKind(e.kind),
                from_status=TicketStatus(e.from_status) if e.from_status else None,
                to_status=TicketStatus(e.to_status),
                owner=e.owner,
                note=e.note,
            )
            for e in row.events
        ),
    )
