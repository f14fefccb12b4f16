"""Agents' wrap-up of a call from the desk: a code, a note and, when promised, a callback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from ivr.db.models import CallWrapup
from ivr.db.session import Database
from ivr.services.errors import ValidationError
from ivr.services.phones import normalize_phone

WRAPUP_CODES = ("resolved", "work_order", "callback", "transferred", "no_answer", "other")


@dataclass(frozen=True)
class Wrapup:
    call_uniqueid: str
    agent: str
    code: str
    note: str
    callback_number: str | None
    callback_at: datetime | None
    created_at: datetime


class Wrapups:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self,
        call_uniqueid: str,
        agent: str,
        code: str,
        note: str = "",
        callback_number: str | None = None,
        callback_at: datetime | None = None,
    ) -> Wrapup:
        if code not in WRAPUP_CODES:
            raise ValidationError("code", f"one of {', '.join(WRAPUP_CODES)} expected")
        if not call_uniqueid or len(call_uniqueid) > 64:
            raise ValidationError("call", "the call's unique id is needed")
        number = None
        if callback_at is not None or callback_number:
            if callback_at is None or callback_at.tzinfo is None:
                raise ValidationError("callback_at", "a date and time for the callback expected")
            number = normalize_phone(callback_number or "")
            if number is None:
                raise ValidationError("callback_number", "a phone number expected")
        row = CallWrapup(
            call_uniqueid=call_uniqueid, agent=agent, code=code, note=note[:2000],
            callback_number=number, callback_at=callback_at, created_at=datetime.now(UTC),
        )
        async with self._db.sessionmaker() as session, session.begin():
            session.add(row)
        return _info(row)

    async def for_call(self, call_uniqueid: str) -> list[Wrapup]:
        async with self._db.sessionmaker() as session:
            rows = await session.scalars(
                select(CallWrapup).where(CallWrapup.call_uniqueid == call_uniqueid)
                .order_by(CallWrapup.id)
            )
            return [_info(r) for r in rows]


def _info(row: CallWrapup) -> Wrapup:
    return Wrapup(row.call_uniqueid, row.agent, row.code, row.note, row.callback_number,
                  row.callback_at, row.created_at)
