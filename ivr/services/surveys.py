"""Follow-up coverage against 100%, and the results per work order, for the survey team."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ivr.db.enums import TargetState, TicketEventKind
from ivr.db.models import DialAttempt, DialTarget, Ticket, TicketEvent
from ivr.db.session import Database
from ivr.services.errors import NotFound, ValidationError
from ivr.services.followups import FOLLOW_UP_TYPES

ENDS = (TargetState.COMPLETED, TargetState.REFUSED, TargetState.OPTED_OUT,
        TargetState.WRONG_PERSON, TargetState.UNREACHABLE, TargetState.DO_NOT_CALL,
        TargetState.CANCELLED)
SATISFIED = 4  # 满意: a score of 4 or 5 out of 5


@dataclass
class TypeCoverage:
    type: str
    closed: int = 0  # closures in the period
    followed_up: int = 0  # of them, follow-ups that reached an end state
    ends: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in ENDS})
    pending: int = 0  # still to call (pending or dialling)
    missing: int = 0  # closures without a follow-up target (should stay 0)
    percent: float = 0.0  # followed_up against closed, the 100% target
    scored: int = 0
    satisfied: int = 0
    satisfaction_rate: float | None = None  # 满意率: satisfied / scored


@dataclass(frozen=True)
class SurveyResult:
    target_id: int
    ticket: str
    state: str
    reason: str
    attempts: int
    resolved: bool | None
    score: int | None
    comment: str | None
    escalation: str | None
    ended_at: datetime | None
    attempt_results: list[str]


class Surveys:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def coverage(self, start: datetime, end: datetime) -> list[TypeCoverage]:
        """Per follow-up type, the closures in [start, end) and where their follow-ups stand."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValidationError("from", "must be timezone-aware")
        if end <= start:
            raise ValidationError("to", "must be after from")
        query = (
            select(Ticket.type, DialTarget.state, DialTarget.score, func.count())
            .select_from(TicketEvent)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .outerjoin(DialTarget, DialTarget.close_event_id == TicketEvent.id)
            .where(
                TicketEvent.kind == TicketEventKind.CLOSED,
                TicketEvent.at >= start, TicketEvent.at < end,
                Ticket.type.in_(FOLLOW_UP_TYPES),
            )
            .group_by(Ticket.type, DialTarget.state, DialTarget.score)
        )
        table = {t.value: TypeCoverage(t.value) for t in FOLLOW_UP_TYPES}
        async with self._db.sessionmaker() as session:
            for kind, state, score, count in await session.execute(query):
                row = table[kind.value if hasattr(kind, "value") else str(kind)]
                row.closed += count
                if state is None:
                    row.missing += count
                elif state in ENDS:
                    row.followed_up += count
                    row.ends[TargetState(state).value] += count
                else:
                    row.pending += count
                if score is not None:
                    row.scored += count
                    row.satisfied += count if score >= SATISFIED else 0
        for row in table.values():
            row.percent = round(100.0 * row.followed_up / row.closed, 1) if row.closed else 100.0
            if row.scored:
                row.satisfaction_rate = round(100.0 * row.satisfied / row.scored, 1)
        return list(table.values())

    async def results(self, ticket: str) -> list[SurveyResult]:
        """Every follow-up of the work order numbered `ticket`, oldest first."""
        async with self._db.sessionmaker() as session:
            order = (await session.scalars(
                select(Ticket).where(Ticket.number == ticket.strip().upper()))).one_or_none()
            if order is None:
                raise NotFound(f"no work order {ticket!r}")
            targets = list(await session.scalars(
                select(DialTarget).where(DialTarget.ticket_id == order.id)
                .order_by(DialTarget.id)))
            out = []
            for target in targets:
                attempts = await session.scalars(
                    select(DialAttempt.result).where(DialAttempt.target_id == target.id)
                    .order_by(DialAttempt.id))
                escalation = (await session.get(Ticket, target.escalation_ticket_id)
                              if target.escalation_ticket_id else None)
                out.append(SurveyResult(
                    target_id=target.id, ticket=order.number, state=target.state.value,
                    reason=target.reason, attempts=target.attempts, resolved=target.resolved,
                    score=target.score, comment=target.comment_path,
                    escalation=escalation.number if escalation else None,
                    ended_at=target.ended_at, attempt_results=[a.value for a in attempts],
                ))
            return out


