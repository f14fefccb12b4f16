"""Whole transactions for hot paths: committed when the work returns, rolled back when it
raises or its caller is cancelled first; on a SQLite file they run on a thread of their own."""

from __future__ import annotations

import asyncio
import functools
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, event, func, insert, select

from ivr.db.models import DoNotCall
from ivr.db.session import Database

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def _add(conn: Connection, number: str) -> int:
    conn.execute(insert(DoNotCall).values(number=number, added_at=NOW))
    return threading.get_ident()


async def _numbers(db: Database) -> list[str]:
    async with db.engine.connect() as conn:
        return list(await conn.scalars(select(DoNotCall.number).order_by(DoNotCall.number)))


async def test_work_is_committed_and_counted(db: Database) -> None:
    before = db.statements
    thread = await db.transactions.run(lambda conn: _add(conn, "+8613800000001"))
    assert await _numbers(db) == ["+8613800000001"]  # read back through the async engine
    assert db.statements >= before + 1
    on_own_thread = thread != threading.get_ident()
    assert on_own_thread == (db.dialect == "sqlite")
    assert db.transactions.on_own_thread == (db.dialect == "sqlite")


async def test_work_that_raises_leaves_nothing(db: Database) -> None:
    def half(conn: Connection) -> None:
        _add(conn, "+8613800000002")
        raise RuntimeError("after the first statement")

    with pytest.raises(RuntimeError):
        await db.transactions.run(half)
    assert await _numbers(db) == []
    await db.transactions.run(lambda conn: _add(conn, "+8613800000003"))
    assert await _numbers(db) == ["+8613800000003"]


async def test_the_thread_keeps_one_connection_until_a_transaction_fails(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("through the async engine each transaction takes a pooled connection")
    checkouts: list[int] = []
    event.listen(db.transactions.sync_engine, "checkout", lambda *_: checkouts.append(1))
    await db.transactions.run(lambda conn: _add(conn, "+8613800000010"))
    opened = len(checkouts)  # 1, or 0 if an earlier transaction of this database opened it
    for number in ("+8613800000011", "+8613800000012"):
        await db.transactions.run(functools.partial(_add, number=number))
    assert len(checkouts) == opened <= 1  # kept, not taken from the pool again

    def fails(conn: Connection) -> None:
        _add(conn, "+8613800000013")
        raise RuntimeError("after the first statement")

    with pytest.raises(RuntimeError):
        await db.transactions.run(fails)
    await db.transactions.run(lambda conn: _add(conn, "+8613800000014"))
    assert len(checkouts) == opened + 1  # a fresh one after the failure
    assert await _numbers(db) == [
        "+8613800000010", "+8613800000011", "+8613800000012", "+8613800000014"]


async def test_a_caller_cancelled_before_the_commit_leaves_nothing(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("through the async engine a cancel rolls back as any await does")
    started, go_on = threading.Event(), threading.Event()

    def slow(conn: Connection) -> None:
        _add(conn, "+8613800000004")
        started.set()
        go_on.wait(5)

    task = asyncio.create_task(db.transactions.run(slow))
    assert await asyncio.to_thread(started.wait, 5)
    task.cancel()
    await asyncio.wait([task])
    assert task.cancelled()
    go_on.set()
    # The thread finishes (rolls back) before it takes the next transaction.
    count = await db.transactions.run(
        lambda conn: conn.scalar(select(func.count()).select_from(DoNotCall)))
    assert count == 0
    assert await _numbers(db) == []
