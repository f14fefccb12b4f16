"""Callers' voice messages (a complaint in their own words, where the danger is...), kept with
the work order they belong to so staff can listen to them.

The audio files live under one directory in the data directory (shared with Asterisk, which
writes them); the table holds each file's path relative to it, so the directory can move.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.db.models import Ticket, VoiceMessage
from ivr.db.session import Database
from ivr.services.errors import ValidationError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VoiceMessageInfo:
    id: int
    ticket_number: str
    call_uniqueid: str | None
    language: str
    seconds: float
    transcript: str | None  # None: no recogniser for the language, or nothing recognised
    recorded_at: datetime


class VoiceMessages:
    def __init__(self, db: Database, root: Path) -> None:
        self._db = db
        self.root = root.resolve()

    async def attach(
        self,
        ticket_id: int,
        path: Path,
        *,
        language: str,
        seconds: float,
        transcript: str | None,
        call_uniqueid: str | None,
        recorded_at: datetime | None = None,
    ) -> VoiceMessageInfo:
        """Keep the recording at `path` (inside the voice-message directory) with a work order."""
        relative = self._relative(path)
        async with self._db.sessionmaker() as session, session.begin():
            ticket = await session.get(Ticket, ticket_id)
            if ticket is None:
                raise ValidationError("ticket_id", f"no work order {ticket_id}")
            row = VoiceMessage(
                ticket_id=ticket_id,
                call_uniqueid=call_uniqueid,
                path=relative,
                language=language,
                seconds=round(seconds, 2),
                transcript=transcript,
                recorded_at=recorded_at or datetime.now(UTC),
            )
            session.add(row)
            await session.flush()
            return _info(row, ticket.number)

    async def for_ticket(self, number_or_id: str | int) -> list[VoiceMessageInfo] | None:
        """The messages kept with a work order, oldest first; None when there is no such order."""
        async with self._db.sessionmaker() as session:
            ticket = await _ticket(session, number_or_id)
            if ticket is None:
                return None
            rows = await session.scalars(
                select(VoiceMessage)
                .where(VoiceMessage.ticket_id == ticket.id)
                .order_by(VoiceMessage.id)
            )
            return [_info(row, ticket.number) for row in rows]

    async def audio(self, number_or_id: str | int, message_id: int) -> Path | None:
        """The audio file of one message of a work order; None when either is unknown, or the
        file is gone."""
        async with self._db.sessionmaker() as session:
            ticket = await _ticket(session, number_or_id)
            if ticket is None or not 0 < message_id < 2**63:
                return None
            row = await session.get(VoiceMessage, message_id)
            if row is None or row.ticket_id != ticket.id:
                return None
            relative = row.path
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            log.warning("voice message %d of %s: file %s missing", message_id, number_or_id,
                        relative)
            return None
        return path

    def _relative(self, path: Path) -> str:
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise ValidationError("path", f"{path} is not under {self.root}")
        return resolved.relative_to(self.root).as_posix()


async def _ticket(session: AsyncSession, number_or_id: str | int) -> Ticket | None:
    if isinstance(number_or_id, str) and number_or_id.isascii() and number_or_id.isdigit():
        number_or_id = int(number_or_id)
    if isinstance(number_or_id, int):
        if not 0 < number_or_id < 2**63:
            return None
        query = select(Ticket).where(Ticket.id == number_or_id)
    else:
        query = select(Ticket).where(Ticket.number == number_or_id.upper())
    return (await session.scalars(query)).one_or_none()


def _info(row: VoiceMessage, ticket_number: str) -> VoiceMessageInfo:
    return VoiceMessageInfo(
        id=row.id,
        ticket_number=ticket_number,
        call_uniqueid=row.call_uniqueid,
        language=row.language,
        seconds=row.seconds,
        transcript=row.transcript,
        recorded_at=row.recorded_at,
    )
