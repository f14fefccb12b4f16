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
from itertools import groupby
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Table, bindparam, func, insert, select, update

from ivr.db.enums import AttemptResult, CampaignStatus, TargetState
from ivr.db.models import Campaign, DialAttempt, DialTarget, DoNotCall
from ivr.db.session import Database
from ivr.db.types import UtcDateTime


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
    """The dialer's hot path is Core statements built once here (no ORM objects, SQLAlchemy's
    compiled-statement cache hit every time), each claim and each batch of results one
    transaction run as one piece (`Database.transactions`: on SQLite one hop to a thread of
    its own, not several per statement): what each attempt costs in CPU is what sets how many
    one process can drive."""

    def __init__(self, db: Database, dialer: str, retry: RetryPolicy) -> None:
        self._db = db
        self.dialer = dialer[:100]
        self._retry = retry
        targets, campaigns, attempts, dnc = (
            cast(Table, m.__table__) for m in (DialTarget, Campaign, DialAttempt, DoNotCall))
        # Due targets with their campaign's flow and caller id, and whether the number is on
        # the do-not-call list (checked at the last moment before dialling), in one query.
        claim = (
            select(targets.c.id, targets.c.campaign_id, targets.c.number, targets.c.language,
                   targets.c.attempts, campaigns.c.flow, campaigns.c.caller_id,
                   dnc.c.number.label("blocked"))
            .join(campaigns, campaigns.c.id == targets.c.campaign_id)
            .outerjoin(dnc, dnc.c.number == targets.c.number)
            .where(targets.c.state == TargetState.PENDING,
                   targets.c.next_at <= bindparam("now"),
                   targets.c.campaign_id.in_(bindparam("campaigns", expanding=True)),
                   campaigns.c.status == CampaignStatus.RUNNING)
            .order_by(targets.c.priority.desc(), targets.c.next_at, targets.c.id)
            .limit(bindparam("limit"))
        )
        if db.dialect == "postgresql":
            claim = claim.with_for_update(of=targets, skip_locked=True)
        self._claim = claim
        self._insert_attempt = insert(attempts).returning(
            attempts.c.id, sort_by_parameter_order=True)
        self._dialling = (
            update(targets).where(targets.c.id == bindparam("tid"))
            .values(state=TargetState.DIALLING, attempts=bindparam("n"),
                    reason=bindparam("why")))
        self._blocked = (
            update(targets).where(targets.c.id == bindparam("tid"))
            .values(state=TargetState.DO_NOT_CALL, ended_at=bindparam("at"),
                    reason="on the do-not-call list"))
        # An attempt changes only while it is `dialling`: a late or repeated response, or one
        # resolved as lost meanwhile, changes nothing (RETURNING says which did). Results
        # alike (the same outcome, cause and time: a run of busy calls) share one statement.
        self._result = (
            update(attempts)
            .where(attempts.c.action_id.in_(bindparam("aids", expanding=True)),
                   attempts.c.result == AttemptResult.DIALLING)
            .values(result=bindparam("res"), uniqueid=bindparam("uid"),
                    cause=bindparam("why"), ended_at=bindparam("at"))
            .returning(attempts.c.action_id, attempts.c.target_id))
        moved = (
            select(targets.c.id, targets.c.state, targets.c.attempts, campaigns.c.rules)
            .join(campaigns, campaigns.c.id == targets.c.campaign_id)
            .where(targets.c.id.in_(bindparam("ids", expanding=True))))
        if db.dialect == "postgresql":
            moved = moved.with_for_update(of=targets)
        self._moved = moved
        self._advance_target = (
            update(targets).where(targets.c.id == bindparam("tid"),
                                  targets.c.state == TargetState.DIALLING)
            # None keeps what is there: only a retry moves next_at, only an end sets ended_at.
            .values(state=bindparam("st"),
                    next_at=func.coalesce(bindparam("nat", type_=UtcDateTime), targets.c.next_at),
                    ended_at=func.coalesce(bindparam("at", type_=UtcDateTime), targets.c.ended_at),
                    reason=bindparam("why")))

    async def claim(self, campaign_ids: list[int], limit: int, now: datetime) -> list[Claim]:
        """Up to `limit` due targets of these (running, in-window) campaigns, key customers and
        older targets first, each with its attempt written and committed."""
        if not campaign_ids or limit <= 0:
            return []
        return await self._db.transactions.run(
            lambda conn: self._claim_in(conn, campaign_ids, limit, now))

    def _claim_in(self, conn: Connection, campaign_ids: list[int], limit: int,
                  now: datetime) -> list[Claim]:
        rows = conn.execute(
            self._claim, {"now": now, "campaigns": campaign_ids, "limit": limit}).all()
        blocked = [{"tid": r.id, "at": now} for r in rows if r.blocked is not None]
        rows = [r for r in rows if r.blocked is None]
        if blocked:
            conn.execute(self._blocked, blocked)
        if not rows:
            return []
        action_ids = [f"dial-{uuid.uuid4().hex}" for _ in rows]
        ids = conn.execute(self._insert_attempt, [
            {"target_id": r.id, "action_id": a, "number": r.number,
             "result": AttemptResult.DIALLING, "dialer": self.dialer, "started_at": now}
            for r, a in zip(rows, action_ids, strict=True)]).scalars().all()
        conn.execute(self._dialling, [
            {"tid": r.id, "n": r.attempts + 1, "why": f"attempt {r.attempts + 1} dialling"}
            for r in rows])
        return [Claim(i, a, r.id, r.campaign_id, r.number, r.language, r.flow, r.caller_id)
                for i, a, r in zip(ids, action_ids, rows, strict=True)]

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
        return await self._db.transactions.run(lambda conn: self._record_in(conn, results, now))

    def _record_in(self, conn: Connection, results: Sequence[Result],
                   now: datetime) -> list[bool]:
        changed: list[bool] = []
        moved: dict[int, AttemptResult] = {}
        # In order, a run of results alike at a time: the first of a repeated ActionID is the
        # one that changes it, as when each was its own statement.
        for (res, uid, why), run in groupby(results, lambda r: (r.result, r.uniqueid, r.cause)):
            items = list(run)
            targets = {aid: tid for aid, tid in conn.execute(self._result, {
                "aids": [item.action_id for item in items], "res": res, "uid": uid,
                "why": why[:100], "at": None if res == AttemptResult.ANSWERED else now,
            })}
            for item in items:
                target_id = targets.pop(item.action_id, None)
                changed.append(target_id is not None)
                if target_id is not None:
                    moved[target_id] = item.result
        if moved:
            rows = conn.execute(self._moved, {"ids": list(moved)}).all()
            changes = [
                {"tid": r.id, **step}
                for r in rows
                if (step := next_step(r.state, r.attempts, r.rules, moved[r.id], now,
                                      self._retry)) is not None]
            if changes:
                conn.execute(self._advance_target, changes)
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
    step = next_step(target.state, target.attempts, campaign.rules, result, now, retry)
    if step is not None:
        target.state, target.reason = step["st"], step["why"]
        if step["nat"] is not None:
            target.next_at = step["nat"]
        if step["at"] is not None:
            target.ended_at = step["at"]


def next_step(state: TargetState, attempts: int, rules: dict[str, Any] | None,
              result: AttemptResult, now: datetime, retry: RetryPolicy,
              ) -> dict[str, Any] | None:
    """A dialling target's state, next attempt time, end and reason after its attempt's result
    (None: it is not dialling any more, the flow already ended it)."""
    if state != TargetState.DIALLING:
        return None
    if result == AttemptResult.ANSWERED:
        return {"st": state, "nat": None, "at": None, "why": "answered: the flow is running"}
    delay = retry(dict(rules or {}), result, attempts)
    if delay is None:
        return {"st": TargetState.UNREACHABLE, "nat": None, "at": now,
                "why": f"{result.value} on attempt {attempts}, the last allowed"}
    return {"st": TargetState.PENDING, "nat": now + delay, "at": None,
            "why": f"{result.value} on attempt {attempts}: retry after {delay}"}


def ring_grace(ring_seconds: float, action_timeout: float) -> timedelta:
    """How long an attempt may stay `dialling`: the three rings, the AMI action timeout, and a
    minute for a slow PBX."""
    return timedelta(seconds=3 * ring_seconds + action_timeout + 60)
