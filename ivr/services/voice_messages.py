"""Callers' voice messages (a complaint in their own words, where the danger is...), kept with
the work order they belong to so staff can listen to them.

The audio files live under one directory in the data directory (shared with Asterisk, which
writes them); the table holds each file's path relative to it, so the directory can move.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select, update
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
    dictation: str | None  # written down after the call: pending, done, empty, failed; None: no


@dataclass(frozen=True)
class DictationJob:
    """A message claimed for writing down: its id, audio file and language."""

    id: int
    path: Path
    language: str


DICTATION_TRIES = 3  # a message that fails this often is left as "failed" (the audio stays)
CLAIM_LEASE = timedelta(minutes=10)  # a claim older than this (its process died) is taken again


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
        dictation: bool = False,
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
                dictation="pending" if dictation else None,
                dictation_attempts=0,
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

    async def claim_dictation(self, limit: int = 4,
                              now: datetime | None = None) -> list[DictationJob]:
        """Up to `limit` messages waiting to be written down, claimed for this process: a
        conditional update, so two processes never take the same one; a claim whose process
        died is taken again after `CLAIM_LEASE`."""
        now = now or datetime.now(UTC)
        waiting = or_(VoiceMessage.dictation == "pending",
                      (VoiceMessage.dictation == "working")
                      & (VoiceMessage.dictation_claimed_at < now - CLAIM_LEASE))
        jobs: list[DictationJob] = []
        async with self._db.sessionmaker() as session, session.begin():
            rows = (await session.execute(
                select(VoiceMessage.id, VoiceMessage.path, VoiceMessage.language,
                       VoiceMessage.dictation, VoiceMessage.dictation_claimed_at)
                .where(waiting).order_by(VoiceMessage.id).limit(limit))).all()
            for id_, path, language, state, claimed in rows:
                claim = await session.execute(
                    update(VoiceMessage)
                    .where(VoiceMessage.id == id_, VoiceMessage.dictation == state,
                           VoiceMessage.dictation_claimed_at.is_(None) if claimed is None
                           else VoiceMessage.dictation_claimed_at == claimed)
                    .values(dictation="working", dictation_claimed_at=now,
                            dictation_attempts=VoiceMessage.dictation_attempts + 1))
                if getattr(claim, "rowcount", 0) == 1:
                    jobs.append(DictationJob(id_, self.root / path, language))
        return jobs

    async def dictated(self, message_id: int, text: str | None) -> None:
        """Store what was written down ("" for no words); None: this try failed, so the message
        waits for another, or is left as failed after `DICTATION_TRIES`."""
        async with self._db.sessionmaker() as session, session.begin():
            row = await session.get(VoiceMessage, message_id)
            if row is None or row.dictation != "working":
                return
            row.dictation_claimed_at = None
            if text is None:
                row.dictation = "failed" if row.dictation_attempts >= DICTATION_TRIES else "pending"
            elif text.strip():
                row.transcript, row.dictation = text.strip(), "done"
            else:
                row.dictation = "empty"  # the keywords heard, if any, stay the transcript

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
        dictation=None if row.dictation is None
        else "pending" if row.dictation == "working" else row.dictation,
    )
