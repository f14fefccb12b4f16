"""What an answered outbound call needs: its target (found from the attempt id the call
carries), and how the call ends it: a survey's answers (and the escalation a bad one opens),
an opt-out onto the do-not-call list, a wrong person, a refusal, a confirmed notice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from ivr.db.enums import AttemptResult, TargetState
from ivr.db.models import Campaign, DialAttempt, DialTarget, Ticket
from ivr.db.session import Database
from ivr.services.campaigns import Campaigns
from ivr.services.errors import Conflict
from ivr.services.tickets import Tickets

SURVEY_BY = "survey"  # the `by` of the changes a follow-up call makes


@dataclass(frozen=True)
class OutboundTarget:
    target_id: int
    kind: str  # the campaign's kind
    flow: str
    language: str
    number: str
    ticket: str | None  # the work order followed up (never read out before verification)


class SurveyCalls:
    def __init__(self, db: Database, tickets: Tickets, campaigns: Campaigns,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._db, self._tickets, self._campaigns, self._clock = db, tickets, campaigns, clock

    async def target_for_attempt(self, attempt_id: str | None) -> OutboundTarget | None:
        """The target of an attempt that is being dialled or was answered; None for anything
        else (a stale or forged id): such a call is not run as anyone's follow-up."""
        if not attempt_id or not attempt_id.isdigit() or len(attempt_id) > 18:
            return None
        async with self._db.sessionmaker() as session:
            row = (await session.execute(
                select(DialAttempt, DialTarget, Campaign)
                .join(DialTarget, DialTarget.id == DialAttempt.target_id)
                .join(Campaign, Campaign.id == DialTarget.campaign_id)
                .where(DialAttempt.id == int(attempt_id),
                       DialAttempt.result.in_((AttemptResult.DIALLING, AttemptResult.ANSWERED)),
                       DialTarget.state == TargetState.DIALLING))).one_or_none()
            if row is None:
                return None
            _, target, campaign = row
            ticket = await session.get(Ticket, target.ticket_id) if target.ticket_id else None
            return OutboundTarget(target.id, campaign.kind.value, campaign.flow,
                                  target.language, target.number,
                                  ticket.number if ticket else None)

    async def end(self, target_id: int, state: TargetState, reason: str,
                  **answers: Any) -> bool:
        now = self._clock()
        async with self._db.sessionmaker() as session, session.begin():
            done = cast("CursorResult[Any]", await session.execute(
                update(DialTarget)
                .where(DialTarget.id == target_id, DialTarget.state == TargetState.DIALLING)
                .values(state=state, reason=reason[:200], ended_at=now, **answers)
                .execution_options(synchronize_session=False)))
            await session.execute(
                update(DialAttempt)
                .where(DialAttempt.target_id == target_id, DialAttempt.ended_at.is_(None))
                .values(ended_at=now).execution_options(synchronize_session=False))
            return done.rowcount == 1

    async def opt_out(self, target: OutboundTarget) -> None:
        await self._campaigns.do_not_call(target.number, "pressed 9 on a follow-up call",
                                          f"target {target.target_id}")
        await self.end(target.target_id, TargetState.OPTED_OUT, "pressed 9: do not call")

    async def survey_answers(self, target: OutboundTarget, resolved: bool, score: int,
                             comment: str | None) -> str | None:
        """Record the answers; "not resolved" or a score of 1-2 reopens the work order for its
        team (same number and history, deadlines counted afresh). Returns the reopened
        order's number, or None."""
        escalation: int | None = None
        if target.ticket and (not resolved or score <= 2):
            why = "not resolved" if not resolved else f"satisfaction {score}/5"
            try:
                reopened = await self._tickets.reopen(
                    target.ticket, f"follow-up call: {why}", by=SURVEY_BY)
                escalation = reopened.id
            except Conflict:
                pass  # reopened by someone else meanwhile: it is open again either way
        await self.end(target.target_id, TargetState.COMPLETED, "survey answered",
                       resolved=resolved, score=score, comment_path=comment,
                       escalation_ticket_id=escalation)
        return target.ticket if escalation else None
