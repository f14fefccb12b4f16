"""Work orders (工单): opened by the IVR or an agent, tracked to closure with a full history.

Numbers read `R20261125-0042`: a letter for the type, the local date, and a per-letter daily
sequence. The sequence comes from a counter row incremented with an upsert that is the first
write of the transaction, so concurrent callers (threads on SQLite, instances on PostgreSQL)
queue on that row instead of racing to the same number.

Each order has an owner from the moment it is taken until it is closed (首问负责), deadlines by
type (`ivr.services.ticket_deadlines`), and changes that race are decided by conditional
updates (`ivr.services.ticket_changes`): of two people closing one order, one wins.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.db.enums import OutageStatus, Skill, TicketEventKind, TicketStatus, TicketType
from ivr.db.models import Outage, Ticket, TicketCounter, TicketEvent
from ivr.db.session import Database
from ivr.masking import mask_account
from ivr.services.calendar import WorkingCalendar
from ivr.services.errors import Conflict, NotFound, ValidationError, parse_choice
from ivr.services.escalations import OFFICE_HOURS, escalation_due
from ivr.services.followups import add_callback, add_follow_up
from ivr.services.ticket_changes import Change, apply_change
from ivr.services.ticket_deadlines import Deadlines, deadlines_for
from ivr.services.ticket_info import TicketEventInfo, TicketInfo, ticket_info

__all__ = ["IVR", "PREFIX", "TicketEventInfo", "TicketInfo", "Tickets"]

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
    TicketType.ESCALATION: "E",
}
ESCALATION_OWNER = "supervisor"  # escalations wait in the supervisors' list until one takes it

# Who owns what the IVR takes: the team behind the queue for that kind of contact.
IVR_OWNER: dict[TicketType, str] = {
    TicketType.REPAIR: Skill.REPAIR.value,
    TicketType.COMPLAINT: Skill.COMPLAINT.value,
    TicketType.REPORT: Skill.COMPLAINT.value,
    TicketType.METER_CHECK: Skill.BILLING.value,
    TicketType.READING_DISPUTE: Skill.BILLING.value,
}

IVR = "ivr"  # the `by` of changes the IVR itself makes
DEFAULT_REPAIR_ARRIVAL = timedelta(minutes=45)  # urban arrival commitment (城区45分钟)


def _parse_type(value: TicketType | str) -> TicketType:
    return parse_choice(TicketType, "type", value)


def _parse_status(value: TicketStatus | str) -> TicketStatus:
    return parse_choice(TicketStatus, "status", value)


def _text(field: str, value: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise ValidationError(field, "must not be empty")
    if len(value) > limit:
        raise ValidationError(field, f"longer than {limit} characters")
    return value


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


def _open_orders() -> Select[Ticket]:
    return select(Ticket).where(Ticket.status != TicketStatus.CLOSED)


def _due_before(moment: datetime) -> ColumnElement[bool]:
    """Open orders with a deadline still to meet before `moment`."""
    return or_(
        Ticket.resolve_due < moment,
        and_(Ticket.contacted_at.is_(None), Ticket.contact_due < moment),
    )


class Tickets:
    def __init__(
        self,
        db: Database,
        tz: tzinfo | str = "Asia/Shanghai",
        *,
        repair_arrival: timedelta = DEFAULT_REPAIR_ARRIVAL,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db
        self._tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._repair_arrival = repair_arrival
        self._clock = clock
        self.calendar = WorkingCalendar(db)
        self.office_hours = OFFICE_HOURS

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
        owner: str | None = None,
        dial_back_language: str | None = None,
    ) -> TicketInfo:
        """Open a work order; it is committed when this returns, so its number may be read out.

        `outage_id` links a repair report to a known outage; an unknown or restored outage is
        not linked (the report is still taken). The owner is whoever took the contact (首问负责):
        the person opening it, or for the IVR the team behind that kind of contact.
        """
        kind = _parse_type(type)
        if kind is TicketType.ESCALATION:
            raise ValidationError("type", "escalations are opened by follow-up calls")
        now = now or self._clock()
        if now.tzinfo is None:
            raise ValidationError("now", "must be timezone-aware")
        if account is not None and not (len(account) == 10 and account.isdigit()):
            raise ValidationError("account", "10 digits expected")
        if caller is not None and len(caller) > 128:
            raise ValidationError("caller", "longer than 128 characters")
        owner = _text("owner", owner, 100) if owner is not None else (
            IVR_OWNER.get(kind, Skill.GENERAL.value) if by == IVR else by
        )
        prefix = PREFIX[kind] + now.astimezone(self._tz).strftime("%Y%m%d")
        due = await deadlines_for(
            kind, now, tz=self._tz, calendar=self.calendar, repair_arrival=self._repair_arrival
        )
        async with self._db.sessionmaker() as session, session.begin():
            sequence = await _next_sequence(session, self._db.dialect, prefix)
            linked = await self._linkable(session, outage_id)
            row = Ticket(
                number=f"{prefix}-{sequence:04d}",
                type=kind,
                status=TicketStatus.OPEN,
                owner=owner,
                account=account,
                caller=caller,
                description=description,
                outage_id=linked,
                priority=priority,
                call_uniqueid=call_uniqueid,
                created_at=now,
                contact_due=due.contact_due,
                resolve_due=due.resolve_due,
                deadline_provisional=due.provisional,
                events=[
                    TicketEvent(
                        at=now,
                        by=by,
                        kind=TicketEventKind.OPENED,
                        from_status=None,
                        to_status=TicketStatus.OPEN,
                        owner=owner,
                        note=f"opened, linked to outage {linked}" if linked else "opened",
                    )
                ],
            )
            session.add(row)
            await session.flush()
            if dial_back_language is not None:  # the promised callback, with the order itself
                await add_callback(session, self._db.dialect, row, dial_back_language, now)
            info = ticket_info(row, now)
        log.info("work order %s opened (%s, account %s)", info.number, kind, mask_account(account))
        return info

    async def escalate(
        self, session: AsyncSession, followed: Ticket, why: str, by: str, now: datetime
    ) -> Ticket:
        """Open, in the caller's transaction, the escalation of `followed` for a supervisor,
        linked to it and due the same working day (`ivr.services.escalations`)."""
        year = now.astimezone(self._tz).year
        schedule = await self.calendar.schedule((year, year + 1))
        due = escalation_due(now, self._tz, schedule, self.office_hours)
        prefix = PREFIX[TicketType.ESCALATION] + now.astimezone(self._tz).strftime("%Y%m%d")
        sequence = await _next_sequence(session, self._db.dialect, prefix)
        when = "due today" if due.same_day else "taken out of office hours: due next working day"
        note = f"escalation of {followed.number}: {why} ({when})"
        row = Ticket(
            number=f"{prefix}-{sequence:04d}", type=TicketType.ESCALATION,
            status=TicketStatus.OPEN, owner=ESCALATION_OWNER, account=followed.account,
            caller=followed.caller, description=note, outage_id=None,
            priority=followed.priority, call_uniqueid=None, created_at=now,
            contact_due=None, resolve_due=due.at.astimezone(UTC),
            deadline_provisional=due.provisional, escalates_id=followed.id,
            events=[TicketEvent(at=now, by=by, kind=TicketEventKind.OPENED, from_status=None,
                                to_status=TicketStatus.OPEN, owner=ESCALATION_OWNER,
                                note=note)],
        )
        session.add(row)
        await session.flush()
        log.info("work order %s: escalation of %s (%s)", row.number, followed.number, why)
        return row

    async def _linkable(self, session: AsyncSession, outage_id: str | None) -> str | None:
        if outage_id is None:
            return None
        # Its status only: loading the outage would fetch its areas and transformers too.
        status = await session.scalar(select(Outage.status).where(Outage.id == outage_id))
        if status is None or status == OutageStatus.RESTORED:
            log.warning("work order not linked to outage %r: unknown or restored", outage_id)
            return None
        return outage_id

    async def get(self, number_or_id: str | int) -> TicketInfo | None:
        """A work order by its number (`R20261125-0042`) or its numeric id."""
        async with self._db.sessionmaker() as session:
            row = await self._find(session, number_or_id)
            return ticket_info(row, self._clock()) if row is not None else None

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
        return await self._list(query)

    async def overdue(self, now: datetime | None = None, limit: int = 500) -> list[TicketInfo]:
        """Open work orders past a deadline, the longest overdue first."""
        now = now or self._clock()
        query = _open_orders().where(_due_before(now))
        return await self._list(query.order_by(Ticket.created_at, Ticket.id).limit(limit), now)

    async def count_overdue(self, now: datetime | None = None) -> int:
        """How many open work orders are past a deadline: one COUNT, whatever their number."""
        now = now or self._clock()
        query = select(func.count()).select_from(Ticket).where(
            Ticket.status != TicketStatus.CLOSED, _due_before(now))
        async with self._db.sessionmaker() as session:
            return int(await session.scalar(query) or 0)

    async def handover(
        self, hours: float, now: datetime | None = None, limit: int = 500
    ) -> list[TicketInfo]:
        """The shift handover (交接班): open orders overdue or due within the next `hours`,
        soonest deadline first, so nothing is dropped between shifts."""
        if not 0 < hours <= 72:
            raise ValidationError("hours", "between 0 and 72 expected")
        now = now or self._clock()
        query = _open_orders().where(_due_before(now + timedelta(hours=hours)))
        rows = await self._list(query.limit(limit), now)
        return sorted(rows, key=lambda t: (_next_due(t) or now, t.id))

    async def _list(
        self, query: Select[Ticket], now: datetime | None = None
    ) -> list[TicketInfo]:
        now = now or self._clock()
        async with self._db.sessionmaker() as session:
            return [ticket_info(row, now) for row in await session.scalars(query)]

    async def start_work(
        self, number_or_id: str | int, by: str, now: datetime | None = None
    ) -> TicketInfo:
        """Move an open work order to in_progress. Raises `NotFound`, `Conflict`."""

        def change(row: Ticket) -> Change:
            if row.status != TicketStatus.OPEN:
                raise Conflict(f"work order {row.number} is {row.status}, not open")
            return Change(TicketEventKind.STATUS, "", to_status=TicketStatus.IN_PROGRESS)

        return await self._change(number_or_id, change, by, now)

    async def assign(
        self, number_or_id: str | int, owner: str, reason: str, by: str, *,
        current_owner: str | None = None, now: datetime | None = None,
    ) -> TicketInfo:
        """Give the order a new owner, with the reason. `current_owner`: the owner the person
        saw, so that of several people reassigning the same order only the first succeeds.
        Raises `NotFound`, `ValidationError`, `Conflict` (closed, already theirs, or
        reassigned by someone else meanwhile)."""
        owner = _text("owner", owner, 100)
        reason = _text("reason", reason, 2000)

        def change(row: Ticket) -> Change:
            if row.status == TicketStatus.CLOSED:
                raise Conflict(f"work order {row.number} is closed: reopen it first")
            if row.owner == owner:
                raise Conflict(f"work order {row.number} is already owned by {owner}")
            if current_owner is not None and row.owner != current_owner:
                raise Conflict(
                    f"work order {row.number} is now owned by {row.owner}, not {current_owner}"
                )
            note = f"from {row.owner or 'nobody'}: {reason}"
            return Change(TicketEventKind.ASSIGNED, note, values={"owner": owner},
                          unchanged=("owner",), owner=owner)

        return await self._change(number_or_id, change, by, now)

    async def add_note(
        self, number_or_id: str | int, text: str, by: str, *, contacted: bool = False,
        now: datetime | None = None,
    ) -> TicketInfo:
        """Add a note; `contacted` also records that the customer was reached (for a repair:
        that the crew arrived), which meets the contact deadline."""
        text = _text("text", text, 4000)

        def change(row: Ticket) -> Change:
            if contacted and row.contacted_at is None and row.status != TicketStatus.CLOSED:
                return Change(TicketEventKind.CONTACTED, text,
                              values={"contacted_at": now or self._clock()},
                              unchanged=("contacted_at",))
            return Change(TicketEventKind.NOTE, text)

        return await self._change(number_or_id, change, by, now)

    async def close(
        self, number_or_id: str | int, resolution: str, by: str, now: datetime | None = None
    ) -> TicketInfo:
        """Close a work order with its resolution. Raises `NotFound`, `ValidationError`,
        `Conflict` (already closed, or closed by someone else meanwhile)."""
        if not resolution.strip():
            raise ValidationError("resolution", "must not be empty")
        resolution = resolution.strip()
        moment = now or self._clock()

        def change(row: Ticket) -> Change:
            if row.status == TicketStatus.CLOSED:
                raise Conflict(f"work order {row.number} is already closed")
            return Change(TicketEventKind.CLOSED, resolution, to_status=TicketStatus.CLOSED,
                          values={"closed_at": moment, "resolution": resolution})

        return await self._change(number_or_id, change, by, moment, after=self._follow_up)

    async def _follow_up(self, session: AsyncSession, row: Ticket, now: datetime) -> None:
        # Same transaction as the close: the follow-up exists exactly when the closure does.
        await add_follow_up(session, self._db.dialect, row, now)

    async def reopen(
        self, number_or_id: str | int, reason: str, by: str, now: datetime | None = None
    ) -> TicketInfo:
        """Reopen a closed order: same number, its history kept, deadlines counted afresh from
        now. Raises `NotFound`, `ValidationError`, `Conflict` (not closed, or reopened
        meanwhile)."""
        reason = _text("reason", reason, 2000)
        moment = now or self._clock()
        found = await self.get(number_or_id)
        if found is None:
            raise NotFound(f"no work order {number_or_id!r}")
        due = await deadlines_for(
            found.type, moment, tz=self._tz, calendar=self.calendar,
            repair_arrival=self._repair_arrival,
        )

        def change(row: Ticket) -> Change:
            if row.status != TicketStatus.CLOSED:
                raise Conflict(f"work order {row.number} is not closed")
            return Change(
                TicketEventKind.REOPENED, reason, to_status=TicketStatus.OPEN,
                values={
                    "closed_at": None, "resolution": None, "contacted_at": None,
                    "contact_due": due.contact_due, "resolve_due": due.resolve_due,
                    "deadline_provisional": due.provisional,
                },
            )

        return await self._change(number_or_id, change, by, moment)

    async def recount_provisional(self, by: str, now: datetime | None = None) -> int:
        """Count the deadlines of open orders marked provisional again, on the calendar as it
        is now (after an official schedule was loaded); returns how many were recounted. An
        order that changed meanwhile is left for the next recount."""
        query = _open_orders().where(Ticket.deadline_provisional.is_(True)).order_by(Ticket.id)
        recounted = 0
        for order in await self._list(query, now):
            started = max(e.at for e in order.history
                          if e.kind in (TicketEventKind.OPENED, TicketEventKind.REOPENED))
            due = await deadlines_for(order.type, started, tz=self._tz, calendar=self.calendar,
                                      repair_arrival=self._repair_arrival)
            if due.provisional:
                continue  # the schedule loaded does not cover this order's deadlines yet

            def change(row: Ticket, due: Deadlines = due) -> Change:
                return Change(
                    TicketEventKind.NOTE, "deadlines counted again on the official calendar",
                    values={"contact_due": due.contact_due, "resolve_due": due.resolve_due,
                            "deadline_provisional": False},
                    unchanged=("deadline_provisional",),  # not recounted twice at once
                )

            try:
                await self._change(order.id, change, by, now)
            except Conflict:
                continue
            recounted += 1
        return recounted

    async def _change(
        self,
        number_or_id: str | int,
        make: Callable[[Ticket], Change],
        by: str,
        now: datetime | None,
        after: Callable[[AsyncSession, Ticket, datetime], Awaitable[None]] | None = None,
    ) -> TicketInfo:
        now = now or self._clock()
        async with self._db.sessionmaker() as session, session.begin():
            row = await self._find(session, number_or_id)
            if row is None:
                raise NotFound(f"no work order {number_or_id!r}")
            await apply_change(session, row, make(row), by, now)
            if after is not None:
                await after(session, row, now)
            await session.flush()
            fresh = await self._find(session, row.id, fresh=True)
            assert fresh is not None
            return ticket_info(fresh, now)

    async def _find(
        self, session: AsyncSession, number_or_id: str | int, fresh: bool = False
    ) -> Ticket | None:
        if isinstance(number_or_id, str) and number_or_id.isascii() and number_or_id.isdigit():
            number_or_id = int(number_or_id)
        if isinstance(number_or_id, int):
            if not 0 < number_or_id < 2**63:  # no such id; the database would refuse the value
                return None
            query = select(Ticket).where(Ticket.id == number_or_id)
        else:
            query = select(Ticket).where(Ticket.number == number_or_id.upper())
        if fresh:  # after a conditional UPDATE: read what the database holds now
            query = query.execution_options(populate_existing=True)
        return (await session.scalars(query)).one_or_none()


def _next_due(ticket: TicketInfo) -> datetime | None:
    contact = ticket.contact_due if ticket.contacted_at is None else None
    dues = [d for d in (contact, ticket.resolve_due) if d is not None]
    return min(dues) if dues else None
