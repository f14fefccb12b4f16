"""The state of each dial attempt, stored for the dialer (which decides; this records), in the
database first: a target is claimed and its attempt
written (`dialling`, with the ActionID the Originate will carry) in one transaction that commits
BEFORE anything is sent to the PBX. Results are conditional updates on `dialling`, so a late or
repeated OriginateResponse cannot change an attempt twice.

Several dialers on one PostgreSQL claim with `FOR UPDATE SKIP LOCKED`: each skips the rows
another is claiming. SQLite has no row locks; there, run one dialer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from ivr.db.enums import AttemptResult, CampaignStatus, TargetState
from ivr.db.models import Campaign, DialAttempt, DialTarget, DoNotCall
from ivr.db.session import Database


@dataclass(frozen=True)
class Result:
    """One attempt's result as the PBX reported it."""

    action_id: str
    result: AttemptResult
    uniqueid: str | None = None
    cause: str = ""


@dataclass(frozen=True)
class Claim:
    attempt_id: int
    action_id: str
    target_id: int
    campaign_id: int
    number: str
    language: str
    flow: str
    caller_id: str


# (the campaign's rules JSON, the result, attempts so far) -> wait before the next, or None
RetryPolicy = Callable[[dict[str, Any], AttemptResult, int], "timedelta | None"]


class AttemptStore:
    def __init__(self, db: Database, dialer: str, retry: RetryPolicy) -> None:
        self._db = db
        self.dialer = dialer[:100]
        self._retry = retry

    async def claim(self, campaign_ids: list[int], limit: int, now: datetime) -> list[Claim]:
        """Up to `limit` due targets of these (running, in-window) campaigns, key customers and
        older targets first, each with its attempt written and committed."""
        if not campaign_ids or limit <= 0:
            return []
        query = (
            select(DialTarget, Campaign.flow, Campaign.caller_id)
            .join(Campaign, Campaign.id == DialTarget.campaign_id)
            .where(DialTarget.state == TargetState.PENDING, DialTarget.next_at <= now,
                   DialTarget.campaign_id.in_(campaign_ids),
                   Campaign.status == CampaignStatus.RUNNING)
            .order_by(DialTarget.priority.desc(), DialTarget.next_at, DialTarget.id)
            .limit(limit)
        )
        if self._db.dialect == "postgresql":
            query = query.with_for_update(of=DialTarget, skip_locked=True)
        claims: list[Claim] = []
        added: list[tuple[DialAttempt, DialTarget, str, str]] = []
        async with self._db.sessionmaker() as session, session.begin():
            rows = list(await session.execute(query))
            numbers = {row[0].number for row in rows}
            blocked = set(await session.scalars(
                select(DoNotCall.number).where(DoNotCall.number.in_(numbers))))
            for target, flow, caller_id in rows:
                if target.number in blocked:  # checked at the last moment before dialling
                    target.state, target.ended_at = TargetState.DO_NOT_CALL, now
                    target.reason = "on the do-not-call list"
                    continue
                attempt = DialAttempt(
                    target_id=target.id, action_id=f"dial-{uuid.uuid4().hex}",
                    number=target.number, result=AttemptResult.DIALLING, dialer=self.dialer,
                    started_at=now,
                )
                session.add(attempt)
                target.state, target.attempts = TargetState.DIALLING, target.attempts + 1
                target.reason = f"attempt {target.attempts} dialling"
                added.append((attempt, target, flow, caller_id))
            await session.flush()  # every attempt in one INSERT (RETURNING their ids)
            claims = [Claim(a.id, a.action_id, t.id, t.campaign_id, t.number, t.language, flow,
                            caller_id) for a, t, flow, caller_id in added]
        return claims

    async def record(
        self, action_id: str, result: AttemptResult, now: datetime, *,
        uniqueid: str | None = None, cause: str = "",
    ) -> bool:
        """The attempt's result; its target moves on by the campaign's retry rules. False when
        the attempt was not dialling any more (a repeat, or resolved as lost meanwhile)."""
        return (await self.record_many([Result(action_id, result, uniqueid, cause)], now))[0]

    async def record_many(self, results: Sequence[Result], now: datetime) -> list[bool]:
        """Several results in one transaction (the dialer gathers those that arrive together):
        each attempt is changed only while it is still `dialling` (a conditional UPDATE, which
        also takes SQLite's write lock first), then the targets of those changed move on,
        read in one query. A bool per result, as `record` gives."""
        if not results:
            return []
        changed: list[bool] = []
        async with self._db.sessionmaker() as session, session.begin():
            for item in results:
                done = cast("CursorResult[Any]", await session.execute(
                    update(DialAttempt)
                    .where(DialAttempt.action_id == item.action_id,
                           DialAttempt.result == AttemptResult.DIALLING)
                    .values(result=item.result, uniqueid=item.uniqueid, cause=item.cause[:100],
                            ended_at=None if item.result == AttemptResult.ANSWERED else now)
                    .execution_options(synchronize_session=False)))
                changed.append(done.rowcount == 1)
            moved = {r.action_id: r.result for r, ok in zip(results, changed, strict=True) if ok}
            if moved:
                query = (select(DialAttempt.action_id, DialTarget, Campaign)
                         .join(DialTarget, DialTarget.id == DialAttempt.target_id)
                         .join(Campaign, Campaign.id == DialTarget.campaign_id)
                         .where(DialAttempt.action_id.in_(list(moved))))
                if self._db.dialect == "postgresql":
                    query = query.with_for_update(of=DialTarget)
                for action_id, target, campaign in await session.execute(query):
                    advance_target(target, campaign, moved[action_id], now, self._retry)
        return changed

    def _advance(self, target: DialTarget, campaign: Campaign, result: AttemptResult,
                 now: datetime) -> None:
        advance_target(target, campaign, result, now, self._retry)

    async def resolve_stale(
        self, older_than: datetime, now: datetime, *, own: bool = False
    ) -> int:
        """Attempts still `dialling` that began before `older_than` had no OriginateResponse
        and never will (the dialer died, or the AMI link dropped with them in flight). They are
        marked `lost` and count as an attempt: the customer's phone may have rung, so the target
        waits the `lost` delay before its next attempt rather than being dialled again at once,
        and max_attempts still bounds the dials. The lost attempt itself is never re-sent.

        `own`: this dialer's own attempts, whatever their age: at start, what a dialer of the
        same name left was left by a process that is gone (names are unique among live ones).
        """
        query = select(DialAttempt.action_id).where(DialAttempt.result == AttemptResult.DIALLING)
        if own:
            query = query.where(DialAttempt.dialer == self.dialer)
        else:
            query = query.where(DialAttempt.started_at < older_than)
        async with self._db.sessionmaker() as session:
            stale = list(await session.scalars(query))
        for action_id in stale:
            await self.record(action_id, AttemptResult.LOST, now, cause="no result: resolved")
        return len(stale)

    async def finish(
        self, target_id: int, state: TargetState, reason: str, now: datetime, **answers: Any
    ) -> bool:
        """End a target from its answered call (completed, refused, opted_out...). False if it
        had already ended."""
        async with self._db.sessionmaker() as session, session.begin():
            done = cast("CursorResult[Any]", await session.execute(
                update(DialTarget)
                .where(DialTarget.id == target_id,
                       DialTarget.state.in_((TargetState.DIALLING, TargetState.PENDING)))
                .values(state=state, reason=reason[:200], ended_at=now, **answers)
                .execution_options(synchronize_session=False)
            ))
            await session.execute(
                update(DialAttempt)
                .where(DialAttempt.target_id == target_id, DialAttempt.ended_at.is_(None),
                       DialAttempt.result == AttemptResult.ANSWERED)
                .values(ended_at=now).execution_options(synchronize_session=False))
            return done.rowcount == 1

    async def abandon_answered(self, older_than: datetime, now: datetime) -> int:
        """Answered calls whose flow never reported an end (the call dropped mid-survey, the
        IVR restarted): the person was reached, so they are not called again; ended refused."""
        async with self._db.sessionmaker() as session:
            ids = list(await session.scalars(
                select(DialAttempt.target_id).where(
                    DialAttempt.result == AttemptResult.ANSWERED,
                    DialAttempt.ended_at.is_(None), DialAttempt.started_at < older_than)))
        ended = 0
        for target_id in ids:
            ended += await self.finish(target_id, TargetState.REFUSED,
                                       "answered; the call ended before an answer", now)
        return ended


def advance_target(target: DialTarget, campaign: Campaign, result: AttemptResult,
                   now: datetime, retry: RetryPolicy) -> None:
    """Move a dialling target on after its attempt's result, by the campaign's retry rules."""
    if target.state != TargetState.DIALLING:
        return  # the flow already ended it (an answered call reported before its response)
    if result == AttemptResult.ANSWERED:
        target.reason = "answered: the flow is running"
        return
    delay = retry(dict(campaign.rules or {}), result, target.attempts)
    if delay is None:
        target.state, target.ended_at = TargetState.UNREACHABLE, now
        target.reason = f"{result.value} on attempt {target.attempts}, the last allowed"
    else:
        target.state, target.next_at = TargetState.PENDING, now + delay
        target.reason = f"{result.value} on attempt {target.attempts}: retry after {delay}"


def ring_grace(ring_seconds: float, action_timeout: float) -> timedelta:
    """How long an attempt may stay `dialling`: the three rings, the AMI action timeout, and a
    minute for a slow PBX."""
    return timedelta(seconds=3 * ring_seconds + action_timeout + 60)
