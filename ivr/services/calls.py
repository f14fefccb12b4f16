"""The call log: every call with its outcome and the caller's journey through the flows."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert

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
    ) -> None:
        """Record a new call. Starting a call already recorded keeps the first record."""
        async with self._db.sessionmaker() as session, session.begin():
            if await session.get(Call, uniqueid) is None:
                session.add(
                    Call(
                        uniqueid=uniqueid,
                        caller=caller,
                        language=language,
                        flow_name=flow_name,
                        flow_version=flow_version,
                        started_at=started_at,
                        answered_at=answered_at,
                    )
                )

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
    ) -> None:
        """Record how the call ended and its whole journey, in one transaction.

        Safe when `start` never got through (the record is created from what is known here)
        and when repeated: the journey is replaced, not appended to.
        """
        result = parse_choice(CallOutcome, "outcome", outcome)
        contact = (
            parse_choice(ContactType, "contact_type", contact_type)
            if contact_type is not None
            else None
        )
        await self._store(uniqueid, result, queue, account, ended_at, events, caller, contact)

    async def so_far(
        self,
        uniqueid: str,
        *,
        queue: str | None,
        account: str | None,
        events: Sequence[JourneyEvent],
        caller: str | None = None,
    ) -> None:
        """The journey up to now, for a call still in progress: written as a queue call is
        handed to an agent, so the agent's screen shows what the caller did in the IVR.
        `finish` replaces it at the end."""
        await self._store(uniqueid, None, queue, account, None, events, caller, None)

    async def _store(
        self,
        uniqueid: str,
        result: CallOutcome | None,
        queue: str | None,
        account: str | None,
        ended_at: datetime | None,
        events: Sequence[JourneyEvent],
        caller: str | None,
        contact: ContactType | None,
    ) -> None:
        async with self._db.sessionmaker() as session, session.begin():
            row = await session.get(Call, uniqueid)
            if row is None:
                fallback = ended_at or datetime.now(UTC)
                started = min([e.at for e in events], default=fallback)
                row = Call(uniqueid=uniqueid, caller=caller, started_at=started)
                session.add(row)
            else:
                await session.execute(delete(CallEvent).where(CallEvent.uniqueid == uniqueid))
            row.outcome = result
            row.queue = queue
            row.account = account or row.account
            row.ended_at = ended_at
            row.contact_type = contact
            await session.flush()
            if events:
                # One multi-row INSERT: a journey has dozens of events and calls end by the
                # thousand in a storm, so the ORM's per-object bookkeeping is skipped here.
                await session.execute(
                    insert(CallEvent),
                    [
                        {"uniqueid": uniqueid, "seq": seq, "at": e.at, "kind": e.kind,
                         "data": dict(e.data)}
                        for seq, e in enumerate(events, start=1)
                    ],
                )

    async def get(self, uniqueid: str) -> CallRecord | None:
        async with self._db.sessionmaker() as session:
            row = await session.get(Call, uniqueid)
            return call_record(row) if row is not None else None
