"""One change to a work order, applied as a conditional UPDATE so that racing changes cannot
both win.

The order is read first (to report a missing number or a change that does not fit its state),
then written with `UPDATE ... WHERE id = :id AND status = :status_read [AND owner IS :owner_read]`
(the columns the change depends on).
When another request changed the order in between, no row matches and the change is refused as
a conflict. This holds on SQLite, where a row lock taken while reading does nothing, as well as
on PostgreSQL, where the second UPDATE waits for the first and then re-checks its condition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.db.enums import TicketEventKind, TicketStatus
from ivr.db.models import Ticket, TicketEvent
from ivr.services.errors import Conflict


@dataclass(frozen=True)
class Change:
    kind: TicketEventKind
    note: str
    to_status: TicketStatus | None = None  # None: the status stays
    values: dict[str, Any] = field(default_factory=dict)  # other columns to set
    # Columns that must still hold the values read, besides the status: an assignment races
    # on the owner, a first contact on `contacted_at`.
    unchanged: tuple[str, ...] = ()
    owner: str | None = None  # recorded in the history for an assignment


async def apply_change(
    session: AsyncSession, row: Ticket, change: Change, by: str, now: datetime
) -> None:
    """Write `change` to `row` as read, and its history entry; `Conflict` if the row moved."""
    current = TicketStatus(row.status)
    target = change.to_status or current
    stmt = update(Ticket).where(Ticket.id == row.id, Ticket.status == current)
    for name in change.unchanged:
        stmt = stmt.where(getattr(Ticket, name).is_not_distinct_from(getattr(row, name)))
    values = change.values | ({"status": target} if target is not current else {})
    if values:
        result = cast(
            "CursorResult[Any]",
            await session.execute(
                stmt.values(**values).execution_options(synchronize_session=False)
            ),
        )
        if result.rowcount != 1:
            raise Conflict(
                f"work order {row.number} was changed by someone else meanwhile; "
                "read it again and retry if still needed"
            )
    session.add(
        TicketEvent(
            ticket_id=row.id,
            at=now,
            by=by,
            kind=change.kind,
            from_status=current,
            to_status=target,
            owner=change.owner,
            note=change.note,
        )
    )
