"""Results written together: each attempt changes only while it is `dialling`, in the order
the results came, however they are grouped into statements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ivr.db.enums import AttemptResult, TargetState
from ivr.db.models import DialAttempt, DialTarget
from ivr.db.session import Database
from ivr.dialer.retries import retry_policy
from ivr.services.campaigns import Campaigns, TargetRow
from ivr.services.dial_attempts import AttemptStore, Claim, Result
from tests.dialer.rig import ALWAYS, check_rules

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


async def _claimed(db: Database, n: int) -> tuple[AttemptStore, list[Claim]]:
    campaigns = Campaigns(db, check_rules, clock=lambda: NOW)
    info = await campaigns.create(name="results", kind="list", flow="survey", by="test",
                                  rules={**ALWAYS, "retries": {"max_attempts": 2}})
    await campaigns.add_targets(info.id, [TargetRow(f"+8613900000{i:03d}") for i in range(n)])
    await campaigns.move(info.id, "start")
    store = AttemptStore(db, "dialer-1", retry_policy)
    claims = await store.claim([info.id], n, NOW + timedelta(seconds=1))
    assert len(claims) == n
    return store, claims


async def _rows(db: Database) -> tuple[dict[str, AttemptResult], dict[int, TargetState]]:
    async with db.sessionmaker() as session:
        attempts = {a.action_id: a.result for a in await session.scalars(select(DialAttempt))}
        targets = {t.id: t.state for t in await session.scalars(select(DialTarget))}
    return attempts, targets


async def test_a_batch_changes_each_dialling_attempt_once_in_order(db: Database) -> None:
    store, claims = await _claimed(db, 4)
    a, b, c, d = (claim.action_id for claim in claims)
    at = NOW + timedelta(seconds=5)
    busy, no_answer = AttemptResult.BUSY, AttemptResult.NO_ANSWER
    changed = await store.record_many([
        Result(a, busy, "<unknown>", "reason 5"),
        Result(b, busy, "<unknown>", "reason 5"),
        Result(a, busy, "<unknown>", "reason 5"),  # repeated in the same run: no change
        Result(c, no_answer, "<unknown>", "reason 3"),
        Result(b, no_answer, "<unknown>", "reason 3"),  # b already busy: stays busy
        Result("dial-not-ours", busy, "<unknown>", "reason 5"),
        Result(d, AttemptResult.ANSWERED, "1764640000.7", "reason 4"),
    ], at)
    assert changed == [True, True, False, True, False, False, True]
    attempts, targets = await _rows(db)
    assert attempts == {a: busy, b: busy, c: no_answer, d: AttemptResult.ANSWERED}
    by_action = {claim.action_id: claim.target_id for claim in claims}
    # A first failed attempt of two allowed: pending again; the answered one is still dialling.
    assert [targets[by_action[x]] for x in (a, b, c, d)] == [
        TargetState.PENDING, TargetState.PENDING, TargetState.PENDING, TargetState.DIALLING]

    # The same results again change nothing.
    again = await store.record_many([Result(a, no_answer, "<unknown>", "reason 3"),
                                     Result(c, no_answer, "<unknown>", "reason 3")], at)
    assert again == [False, False]
    assert (await _rows(db))[0] == attempts
