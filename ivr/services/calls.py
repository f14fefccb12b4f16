"""The call log: every call with its outcome and the caller's journey through the flows."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ivr.db.enums import CallOutcome, ContactType
from ivr.db.models import Call, CallEvent
from ivr.db.session import Database
from ivr.services.errors import parse_choice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JourneyEvent:
    """One step of a call: `kind` is e.g. prompt, keys, lookup, ticket, transfer; `data` is JSON."""

    at: datetime
    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CallRecord:
    uniqueid: str
    caller: str | None
    account: str | None
    language: str | None
    flow_name: str | None
    flow_version: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: CallOutcome | None  # None while the call is in progress
    queue: str | None
    events: tuple[JourneyEvent, ...]
    contact_type: ContactType | None = None  # what the call was about


def call_record(row: Call) -> CallRecord:
    return CallRecord(
        uniqueid=row.uniqueid,
        caller=row.caller,
        account=row.account,
        language=row.language,
        flow_name=row.flow_name,
        flow_version=row.flow_version,
        started_at=row.started_at,
        answered_at=row.answered_at,
        ended_at=row.ended_at,
        outcome=CallOutcome(row.outcome) if row.outcome is not None else None,
        queue=row.queue,
        events=tuple(JourneyEvent(at=e.at, kind=e.kind, data=dict(e.data)) for e in row.events),
        contact_type=ContactType(row.contact_type) if row.contact_type is not None else None,
    )


# The statements every call makes, built once (Core: no ORM objects to load or track).
_CALL_COLUMNS = ("uniqueid", "caller", "language", "flow_name", "flow_version", "started_at",
                 "answered_at", "instance")
_START_PG = postgresql.insert(Call).values({c: bindparam(c) for c in _CALL_COLUMNS}) \
    .on_conflict_do_nothing(index_elements=[Call.uniqueid])
_START_SQLITE = sqlite.insert(Call).values({c: bindparam(c) for c in _CALL_COLUMNS}) \
    .on_conflict_do_nothing(index_elements=[Call.uniqueid])
_FINISH = (update(Call).where(Call.uniqueid == bindparam("id")).values(
    outcome=bindparam("outcome", type_=Call.outcome.type),
    queue=bindparam("queue", type_=Call.queue.type),
    ended_at=bindparam("ended_at", type_=Call.ended_at.type),
    contact_type=bindparam("contact_type", type_=Call.contact_type.type),
    account=func.coalesce(bindparam("account", type_=Call.account.type), Call.account),
    language=func.coalesce(bindparam("language", type_=Call.language.type), Call.language)))
_EVENTS_NEW_PG = postgresql.insert(CallEvent).on_conflict_do_nothing(
    index_elements=[CallEvent.uniqueid, CallEvent.seq])
_EVENTS_NEW_SQLITE = sqlite.insert(CallEvent).on_conflict_do_nothing(
    index_elements=[CallEvent.uniqueid, CallEvent.seq])
_EVENTS = insert(CallEvent)


class CallLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def start(
        self,
        uniqueid: str,
        caller: str | None,
        language: str | None,
        flow_name: str | None,
        flow_version: str | None,
        started_at: datetime,
        answered_at: datetime | None = None,
        instance: str | None = None,
    ) -> None:
        """Record a new call. Starting a call already recorded keeps the first record.

        One statement: an insert that does nothing when the call is there already."""
        statement = _START_PG if self._db.dialect == "postgresql" else _START_SQLITE
        row = {"uniqueid": uniqueid, "caller": caller, "language": language,
               "flow_name": flow_name, "flow_version": flow_version, "started_at": started_at,
               "answered_at": answered_at, "instance": instance}
        # Committed with the other calls started or ended in the same moment (group commit:
        # one hop to the database's thread and one fsync for them all); nobody waits on it.
        await self._db.grouped.run(lambda conn: conn.execute(statement, row))

    async def append(self, uniqueid: str, events: Sequence[JourneyEvent], first_seq: int) -> None:
        """Write journey events numbered from `first_seq` while the call goes on (the call must
        have been started): a crash then loses at most what came after the last append."""
        if not events:
            return
        rows = _event_rows(uniqueid, events, first_seq)
        await self._db.transactions.run(lambda conn: conn.execute(_EVENTS, rows))

    async def handed_over(self, uniqueid: str, *, queue: str, account: str | None,
                          language: str | None = None) -> None:
        """The queue a call in progress is handed to, the premises it is about and the language
        the caller now speaks: stored before an agent's phone rings, for their screen pop
        (`finish` writes them again)."""
        async with self._db.sessionmaker() as session, session.begin():
            row = await session.get(Call, uniqueid)
            if row is not None:
                row.queue = queue
                row.account = account or row.account
                row.language = language or row.language

    async def answered(self, uniqueid: str, at: datetime) -> None:
        async with self._db.sessionmaker() as session, session.begin():
            row = await session.get(Call, uniqueid)
            if row is None:
                log.warning("answer time for unrecorded call %s dropped", uniqueid)
            elif row.answered_at is None:
                row.answered_at = at

    async def finish(
        self,
        uniqueid: str,
        *,
        outcome: CallOutcome | str,
        queue: str | None,
        account: str | None,
        ended_at: datetime,
        events: Sequence[JourneyEvent],
        caller: str | None = None,
        contact_type: ContactType | str | None = None,
        written: int = 0,
        language: str | None = None,
    ) -> None:
        """Record how the call ended and its whole journey, in one transaction. `language`: the
        one the call ended in (the caller may have switched from the one it started in).

        `written`: how many of `events` `append` already stored; only the rest is written.
        Safe when `start` never got through (the record is created from what is known here)
        and when repeated: an event already stored at its place in the journey (an earlier
        attempt, or an append whose success was never reported) is kept, not doubled. A call's
        journey only grows, so what is stored at a place is that same event.
        """
        result = parse_choice(CallOutcome, "outcome", outcome)
        contact = (
            parse_choice(ContactType, "contact_type", contact_type)
            if contact_type is not None
            else None
        )
        # Two statements when the call was started (an update, the rest of the journey inserted
        # where not stored yet): the call's row and its events are never read back. Core
        # statements built once, no ORM session.
        events_new = _EVENTS_NEW_PG if self._db.dialect == "postgresql" else _EVENTS_NEW_SQLITE
        values = {"id": uniqueid, "outcome": result, "queue": queue, "ended_at": ended_at,
                  "contact_type": contact, "account": account, "language": language}
        journey = list(events)  # as it is now: the thread reads it while the loop goes on

        def write(conn: Connection) -> None:
            rest = written
            if not conn.execute(_FINISH, values).rowcount:
                # `start` never got through: the record is made from what is known here
                started = min([e.at for e in journey], default=ended_at)
                conn.execute(insert(Call).values(
                    uniqueid=uniqueid, caller=caller, started_at=started, outcome=result,
                    queue=queue, account=account, ended_at=ended_at, contact_type=contact,
                    language=language))
                rest = 0
            if journey[rest:]:
                conn.execute(events_new, _event_rows(uniqueid, journey[rest:], rest + 1))

        await self._db.grouped.run(write)  # with the other calls of the moment, as `start`

    async def open_instances(self) -> set[str]:
        """The IVR instances with calls still open (live, or left open by a dead process)."""
        async with self._db.sessionmaker() as session:
            rows = await session.scalars(select(Call.instance).distinct().where(
                Call.outcome.is_(None), Call.instance.is_not(None)))
            return {row for row in rows if row is not None}

    async def close_interrupted(self, instance: str, now: datetime,
                                unowned_before: datetime | None = None, *,
                                closed: str = "at restart") -> list[str]:
        """Close the calls `instance` left open when it stopped without ending them (kill -9,
        power loss): outcome `interrupted`, ended at their last recorded event. Calls of other
        instances are left alone (they may be live); calls recorded without an instance (before
        instances were recorded) are closed when they started before `unowned_before`.
        Returns the unique ids closed."""
        owned = Call.instance == instance
        if unowned_before is not None:
            owned = or_(owned, (Call.instance.is_(None)) & (Call.started_at < unowned_before))
        async with self._db.sessionmaker() as session, session.begin():
            rows = (await session.scalars(
                select(Call).where(Call.outcome.is_(None), owned))).all()
            for row in rows:
                last = await session.execute(
                    select(func.max(CallEvent.seq), func.max(CallEvent.at))
                    .where(CallEvent.uniqueid == row.uniqueid))
                seq, at = last.one()
                row.outcome = CallOutcome.INTERRUPTED
                row.ended_at = at or row.answered_at or row.started_at
                await session.execute(insert(CallEvent), _event_rows(
                    row.uniqueid, [JourneyEvent(now, "interrupted", {"closed": closed})],
                    (seq or 0) + 1))
            return [row.uniqueid for row in rows]

    async def get(self, uniqueid: str) -> CallRecord | None:
        async with self._db.sessionmaker() as session:
            row = await session.get(Call, uniqueid)
            return call_record(row) if row is not None else None


def _event_rows(
    uniqueid: str, events: Sequence[JourneyEvent], first_seq: int
) -> list[dict[str, Any]]:
    # One multi-row INSERT: a journey has dozens of events and calls end by the thousand in a
    # storm, so the ORM's per-object bookkeeping is skipped.
    return [
        {"uniqueid": uniqueid, "seq": seq, "at": e.at, "kind": e.kind, "data": dict(e.data)}
        for seq, e in enumerate(events, start=first_seq)
    ]
