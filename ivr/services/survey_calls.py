"""What an answered outbound call needs: its target (found from the attempt id the call
carries), and how the call ends it: a survey's answers (and the escalation a bad one opens),
an opt-out onto the do-not-call list, a wrong person, a refusal, a confirmed notice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.db.enums import AttemptResult, TargetState
from ivr.db.models import Campaign, DialAttempt, DialTarget, Ticket
from ivr.db.session import Database
from ivr.services.campaigns import Campaigns
from ivr.services.dial_attempts import RetryPolicy, advance_target
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
    outage_id: str | None = None  # an outage notice: the outage it is about


class SurveyCalls:
    def __init__(self, db: Database, tickets: Tickets, campaigns: Campaigns,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 retry: RetryPolicy | None = None) -> None:
        self._db, self._tickets, self._campaigns, self._clock = db, tickets, campaigns, clock
        self._retry: RetryPolicy = retry or (lambda rules, result, attempts: None)

    async def machine(self, target: OutboundTarget, cause: str) -> bool:
        """An answering machine took the call (AMD): the attempt counts as `machine`, and the
        target waits for its next attempt by the campaign's retry rules (or ends unreachable
        after the last). False when the target had ended meanwhile."""
        now = self._clock()
        async with self._db.sessionmaker() as session, session.begin():
            row = await session.get(DialTarget, target.target_id, with_for_update=True)
            if row is None or row.state != TargetState.DIALLING:
                return False
            campaign = await session.get(Campaign, row.campaign_id)
            assert campaign is not None
            await session.execute(
                update(DialAttempt)
                .where(DialAttempt.target_id == row.id, DialAttempt.ended_at.is_(None),
                       DialAttempt.result.in_((AttemptResult.DIALLING, AttemptResult.ANSWERED)))
                .values(result=AttemptResult.MACHINE, ended_at=now, cause=f"AMD {cause}"[:100])
                .execution_options(synchronize_session=False))
            advance_target(row, campaign, AttemptResult.MACHINE, now, self._retry)
            return True

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
                                  ticket.number if ticket else None, target.outage_id)

    async def end(self, target_id: int, state: TargetState, reason: str,
                  **answers: Any) -> bool:
        """End a target still dialling; False when it had ended already."""
        async with self._db.sessionmaker() as session, session.begin():
            return await self._end_in(session, target_id, state, reason, self._clock(),
                                      **answers)

    @staticmethod
    async def _end_in(session: AsyncSession, target_id: int, state: TargetState, reason: str,
                      now: datetime, **answers: Any) -> bool:
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
        """Record the answers; "not resolved" or a score of 1-2 opens an escalation for a
        supervisor, linked to the order followed up and due the same working day, in the
        transaction that ends the target (so a repeat opens nothing). The order itself stays
        closed: the supervisor decides whether it is reopened. Returns the escalation's
        number, or None."""
        now = self._clock()
        answers = {"resolved": resolved, "score": score, "comment_path": comment}
        async with self._db.sessionmaker() as session, session.begin():
            row = await session.get(DialTarget, target.target_id, with_for_update=True)
            if row is None or row.state != TargetState.DIALLING:
                return None  # ended already (the call dropped and was ended meanwhile)
            escalation = None
            if row.ticket_id is not None and (not resolved or score <= 2):
                followed = await session.get(Ticket, row.ticket_id)
                assert followed is not None
                why = "not resolved" if not resolved else f"satisfaction {score}/5"
                escalation = await self._tickets.escalate(
                    session, followed, f"follow-up call: {why}", SURVEY_BY, now)
            await self._end_in(session, row.id, TargetState.COMPLETED, "survey answered", now,
                               escalation_ticket_id=escalation.id if escalation else None,
                               **answers)
            return escalation.number if escalation else None
