"""Work orders (工单): opened by the IVR or an agent, tracked to closure with a full history.

Numbers read `R20261125-0042`: a letter for the type, the local date, and a per-letter daily
sequence. The sequence comes from a counter row incremented with an upsert that is the first
write of the transaction, so concurrent callers (threads on SQLite, instances on PostgreSQL)
queue on that row instead of racing to the same number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.db.enums import OutageStatus, TicketStatus, TicketType
from ivr.db.models import Outage, Ticket, TicketCounter, TicketEvent
from ivr.db.session import Database
from ivr.masking import mask_account
from ivr.services.errors import NotFound, ValidationError, parse_choice
from ivr.services.workdays import add_working_days

log = logging.getLogger(__name__)

PREFIX: dict[TicketType, str] = {
    TicketType.REPAIR: "R",
    TicketType.COMPLAINT: "C",
    TicketType.REPORT: "J",  # 举报
    TicketType.ENQUIRY: "Q",
    TicketType.SUGGESTION: "S",
    TicketType.PRAISE: "P",
    TicketType.APPLICATION: "A",
    TicketType.METER_CHECK: "M",
    TicketType.READING_DISPUTE: "D",
}

# Working-day deadlines from the service rules: (contact the customer, give the resolution).
DEADLINES: dict[TicketType, tuple[int | None, int | None]] = {
    TicketType.COMPLAINT: (1, 7),
    TicketType.METER_CHECK: (None, 5),
    TicketType.READING_DISPUTE: (None, 7),
}

IVR = "ivr"  # the `by` of changes the IVR itself makes


@dataclass(frozen=True)
class TicketEventInfo:
    at: datetime
    by: str
    from_status: TicketStatus | None
    to_status: TicketStatus
    note: str


@dataclass(frozen=True)
class TicketInfo:
    id: int
    number: str
    type: TicketType
    status: TicketStatus
    account: str | None
    caller: str | None
    description: str
    outage_id: str | None
    priority: int
    call_uniqueid: str | None
    created_at: datetime
    contact_due: datetime | None
    resolve_due: datetime | None
    closed_at: datetime | None
    resolution: str | None
    history: tuple[TicketEventInfo, ...]


def ticket_info(row: Ticket) -> TicketInfo:
    return TicketInfo(
        id=row.id,
        number=row.number,
        type=TicketType(row.type),
        status=TicketStatus(row.status),
        account=row.account,
        caller=row.caller,
        description=row.description,
        outage_id=row.outage_id,
        priority=row.priority,
        call_uniqueid=row.call_uniqueid,
        created_at=row.created_at,
        contact_due=row.contact_due,
        resolve_due=row.resolve_due,
        closed_at=row.closed_at,
        resolution=row.resolution,
        history=tuple(
            TicketEventInfo(
                at=e.at,
                by=e.by,
                from_status=TicketStatus(e.from_status) if e.from_status else None,
                to_status=TicketStatus(e.to_status),
                note=e.note,
            )
            for e in row.events
        ),
    )


def _parse_type(value: TicketType | str) -> TicketType:
    return parse_choice(TicketType, "type", value)


def _parse_status(value: TicketStatus | str) -> TicketStatus:
    return parse_choice(TicketStatus, "status", value)


async def _next_sequence(session: AsyncSession, dialect: str, prefix: str) -> int:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(TicketCounter)
        .values(prefix=prefix, last=1)
        .on_conflict_do_update(
            index_elements=[TicketCounter.prefix], set_={"last": TicketCounter.last + 1}
        )
        .returning(TicketCounter.last)
    )
    return int((await session.execute(stmt)).scalar_one())


class Tickets:
    def __init__(self, db: Database, tz: tzinfo | str = "Asia/Shanghai") -> None:
        self._db = db
        self._tz = ZoneInfo(tz) if isinstance(tz, str) else tz

    async def open(
        self,
        type: TicketType | str,
        *,
        account: str | None,
        caller: str | None,
        description: str,
        call_uniqueid: str | None,
        outage_id: str | None = None,
        priority: int = 0,
        now: datetime | None = None,
        by: str = IVR,
    ) -> TicketInfo:
        """Open a work order; it is committed when this returns, so its number may be read out.

        `outage_id` links a repair report to a known outage; an unknown or restored outage is
        not linked (the report is still taken).
        """
        kind = _parse_type(type)
        now = now or datetime.now(UTC)
        if now.tzinfo is None:
            raise ValidationError("now", "must be timezone-aware")
        if account is not None and not (len(account) == 10 and account.isdigit()):
            raise ValidationError("account", "10 digits expected")
        prefix = PREFIX[kind] + now.astimezone(self._tz).strftime("%Y%m%d")
        contact_days, resolve_days = DEADLINES.get(kind, (None, None))
        async with self._db.sessionmaker() as session, session.begin():
            sequence = await _next_sequence(session, self._db.dialect, prefix)
            linked = await self._linkable(session, outage_id)
            row = Ticket(
                number=f"{prefix}-{sequence:04d}",
                type=kind,
                status=TicketStatus.OPEN,
                account=account,
                caller=caller,
                description=description,
                outage_id=linked,
                priority=priority,
                call_uniqueid=call_uniqueid,
                created_at=now,
                contact_due=_due(now, contact_days, self._tz),
                resolve_due=_due(now, resolve_days, self._tz),
                events=[
                    TicketEvent(
                        at=now,
                        by=by,
                        from_status=None,
                        to_status=TicketStatus.OPEN,
                        note=f"opened, linked to outage {linked}" if linked else "opened",
                    )
                ],
            )
            session.add(row)
            await session.flush()
            info = ticket_info(row)
        log.info("work order %s opened (%s, account %s)", info.number, kind, mask_account(account))
        return info

    async def _linkable(self, session: AsyncSession, outage_id: str | None) -> str | None:
        if outage_id is None:
            return None
        outage = await session.get(Outage, outage_id)
        if outage is None or outage.status == OutageStatus.RESTORED:
            log.warning("work order not linked to outage %r: unknown or restored", outage_id)
            return None
        return outage_id

    async def get(self, number_or_id: str | int) -> TicketInfo | None:
        """A work order by its number (`R20261125-0042`) or its numeric id."""
        async with self._db.sessionmaker() as session:
            row = await self._find(session, number_or_id)
            return ticket_info(row) if row is not None else None

    async def search(
        self,
        *,
        account: str | None = None,
        type: TicketType | str | None = None,
        status: TicketStatus | str | None = None,
        limit: int = 100,
    ) -> list[TicketInfo]:
        """Work orders matching every given filter, newest first."""
        query = select(Ticket).order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
        if account is not None:
            query = query.where(Ticket.account == account)
        if type is not None:
            query = query.where(Ticket.type == _parse_type(type))
        if status is not None:
            query = query.where(Ticket.status == _parse_status(status))
        async with self._db.sessionmaker() as session:
            return [ticket_info(row) for row in await session.scalars(query)]

    async def start_work(
        self, number_or_id: str | int, by: str, now: datetime | None = None
    ) -> TicketInfo:
        """Move an open work order to in_progress. Raises `NotFound`, `ValidationError`."""
        return await self._transition(number_or_id, TicketStatus.IN_PROGRESS, by, "", now)

    async def close(
        self, number_or_id: str | int, resolution: str, by: str, now: datetime | None = None
    ) -> TicketInfo:
        """Close a work order with its resolution. Raises `NotFound`, `ValidationError`."""
        if not resolution.strip():
            raise ValidationError("resolution", "must not be empty")
        return await self._transition(
            number_or_id, TicketStatus.CLOSED, by, resolution.strip(), now
        )

    async def _transition(
        self,
        number_or_id: str | int,
        to: TicketStatus,
        by: str,
        note: str,
        now: datetime | None,
    ) -> TicketInfo:
        now = now or datetime.now(UTC)
        async with self._db.sessionmaker() as session, session.begin():
            row = await self._find(session, number_or_id, for_update=True)
            if row is None:
                raise NotFound(f"no work order {number_or_id!r}")
            current = TicketStatus(row.status)
            if current is TicketStatus.CLOSED:
                raise ValidationError("status", f"work order {row.number} is already closed")
            if current is to:
                raise ValidationError("status", f"work order {row.number} is already {to}")
            row.status = to
            if to is TicketStatus.CLOSED:
                row.closed_at = now
                row.resolution = note
            row.events.append(
                TicketEvent(at=now, by=by, from_status=current, to_status=to, note=note)
            )
            await session.flush()
            return ticket_info(row)

    async def _find(
        self, session: AsyncSession, number_or_id: str | int, for_update: bool = False
    ) -> Ticket | None:
        if isinstance(number_or_id, str) and number_or_id.isascii() and number_or_id.isdigit():
            number_or_id = int(number_or_id)
        if isinstance(number_or_id, int):
            if not 0 < number_or_id < 2**63:  # no such id; the database would refuse the value
                return None
            query = select(Ticket).where(Ticket.id == number_or_id)
        else:
            query = select(Ticket).where(Ticket.number == number_or_id.upper())
        if for_update:
            query = query.with_for_update()
        return (await session.scalars(query)).one_or_none()


def _due(now: datetime, days: int | None, tz: tzinfo) -> datetime | None:
    return None if days is None else add_working_days(now, days, tz).astimezone(UTC)
