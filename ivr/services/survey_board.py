"""What the survey team's pages show beyond coverage: the spread of satisfaction scores, the
escalations bad answers opened, and the do-not-call list to read and correct."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import aliased

from ivr.db.enums import TicketType
from ivr.db.models import DialTarget, DoNotCall, Ticket
from ivr.db.session import Database
from ivr.services.errors import NotFound, ValidationError
from ivr.services.followups import FOLLOW_UP_TYPES
from ivr.services.phones import normalize_phone

SCORES = (1, 2, 3, 4, 5)


@dataclass
class ScoreSpread:
    type: str
    scores: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))
    resolved: int = 0
    not_resolved: int = 0


@dataclass(frozen=True)
class Escalation:
    ticket: str  # the escalation work order the answer opened, for a supervisor
    type: str
    status: str
    resolved: bool | None
    score: int | None
    answered_at: datetime | None
    number: str  # the customer's number; the pages mask it
    followed_up: str | None = None  # the closed work order the follow-up call was about


@dataclass(frozen=True)
class DoNotCallEntry:
    number: str
    reason: str
    source: str
    added_at: datetime


def _check_range(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError("from", "must be timezone-aware")
    if end <= start:
        raise ValidationError("to", "must be after from")


class SurveyBoard:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def satisfaction(self, start: datetime, end: datetime) -> list[ScoreSpread]:
        """Per follow-up type, answered surveys ended in [start, end): scores 1-5, resolved."""
        _check_range(start, end)
        query = (
            select(DialTarget.ticket_type, DialTarget.score, DialTarget.resolved, func.count())
            .where(DialTarget.score.is_not(None), DialTarget.ended_at >= start,
                   DialTarget.ended_at < end, DialTarget.ticket_type.is_not(None))
            .group_by(DialTarget.ticket_type, DialTarget.score, DialTarget.resolved))
        table = {t.value: ScoreSpread(t.value) for t in FOLLOW_UP_TYPES}
        async with self._db.sessionmaker() as session:
            for kind, score, resolved, count in await session.execute(query):
                name = TicketType(str(kind)).value
                row = table.setdefault(name, ScoreSpread(name))
                if score in row.scores:
                    row.scores[score] += count
                if resolved is True:
                    row.resolved += count
                elif resolved is False:
                    row.not_resolved += count
        return list(table.values())

    async def escalations(self, start: datetime, end: datetime,
                          limit: int = 200) -> list[Escalation]:
        """Escalations opened by a survey answer in [start, end), newest first, each with the
        work order it was about."""
        _check_range(start, end)
        followed = aliased(Ticket)
        query = (
            select(DialTarget, Ticket, followed.number)
            .join(Ticket, Ticket.id == DialTarget.escalation_ticket_id)
            .outerjoin(followed, followed.id == DialTarget.ticket_id)
            .where(DialTarget.ended_at >= start, DialTarget.ended_at < end)
            .order_by(DialTarget.ended_at.desc(), DialTarget.id.desc()).limit(limit))
        async with self._db.sessionmaker() as session:
            return [Escalation(ticket.number, ticket.type.value, ticket.status.value,
                               target.resolved, target.score, target.ended_at, target.number,
                               followed_up)
                    for target, ticket, followed_up in (await session.execute(query)).all()]

    async def do_not_call(self, search: str = "", limit: int = 200) -> list[DoNotCallEntry]:
        """The list, newest first; `search` matches a part of the number or the reason."""
        query = select(DoNotCall).order_by(DoNotCall.added_at.desc(), DoNotCall.number)
        if search.strip():
            like = f"%{search.strip()[:40]}%"
            query = query.where(or_(DoNotCall.number.like(like), DoNotCall.reason.like(like)))
        async with self._db.sessionmaker() as session:
            rows = await session.scalars(query.limit(limit))
            return [DoNotCallEntry(r.number, r.reason, r.source, r.added_at) for r in rows]

    async def do_not_call_count(self) -> int:
        async with self._db.sessionmaker() as session:
            return int(await session.scalar(select(func.count()).select_from(DoNotCall)) or 0)

    async def allow_calls(self, number: str) -> None:
        """Take a number off the do-not-call list (the customer asked to be called again)."""
        phone = normalize_phone(number) or number.strip()
        async with self._db.sessionmaker() as session, session.begin():
            done = await session.execute(delete(DoNotCall).where(DoNotCall.number == phone))
            if not getattr(done, "rowcount", 0):
                raise NotFound(f"{phone} is not on the do-not-call list")
