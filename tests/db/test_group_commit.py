"""Group commit: writes of the same moment share one transaction, each caller still hears back
only once its own work is committed, and one bad piece never takes the others down."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, event, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

import ivr.db.session
from ivr.db.group_commit import GroupCommit
from ivr.db.models import DoNotCall
from ivr.db.session import Database

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def _add(number: str) -> Callable[[Connection], str]:
    def work(conn: Connection) -> str:
        conn.execute(insert(DoNotCall).values(number=number, added_at=NOW))
        return number
    return work


async def _numbers(db: Database) -> list[str]:
    async with db.engine.connect() as conn:
        return list(await conn.scalars(select(DoNotCall.number).order_by(DoNotCall.number)))


def _commits(db: Database) -> list[int]:
    """Counts the transactions committed by the group's connections."""
    seen: list[int] = []
    event.listen(db.transactions.sync_engine, "commit", lambda *_: seen.append(1))
    return seen


async def test_writes_of_the_same_moment_share_one_transaction(db: Database) -> None:
    commits = _commits(db)
    numbers = [f"+86138000000{i:02d}" for i in range(6)]
    results = await asyncio.gather(*(db.grouped.run(_add(n)) for n in numbers))
    assert results == numbers  # each caller gets its own work's result
    assert await _numbers(db) == numbers
    assert db.grouped.groups == 1
    assert len(commits) == 1


async def test_a_caller_hears_back_only_after_its_commit(db: Database) -> None:
    number = "+8613800000099"
    await db.grouped.run(_add(number))
    # read through another connection: committed, not merely written in an open transaction
    assert await _numbers(db) == [number]


async def test_one_bad_piece_fails_alone(db: Database) -> None:
    def duplicate(conn: Connection) -> None:
        _add("+8613800000001")(conn)  # the same number twice: the primary key refuses it
        _add("+8613800000001")(conn)

    first, bad, last = await asyncio.gather(
        db.grouped.run(_add("+8613800000010")), db.grouped.run(duplicate),
        db.grouped.run(_add("+8613800000011")), return_exceptions=True)
    assert (first, last) == ("+8613800000010", "+8613800000011")
    assert isinstance(bad, IntegrityError)
    assert await _numbers(db) == ["+8613800000010", "+8613800000011"]  # nothing of the bad one


async def test_groups_are_limited_and_committed_in_order(db: Database) -> None:
    grouped = GroupCommit(db.transactions, window=0.01, limit=3)
    order: list[str] = []

    def noted(number: str) -> Callable[[Connection], None]:
        def work(conn: Connection) -> None:
            order.append(number)
            _add(number)(conn)
        return work

    numbers = [f"+86139000000{i:02d}" for i in range(7)]
    await asyncio.gather(*(grouped.run(noted(n)) for n in numbers))
    assert order == numbers
    assert grouped.groups == 3  # 3 + 3 + 1
    assert await _numbers(db) == numbers


async def test_closing_commits_what_is_pending(db: Database, database_url: str) -> None:
    other = Database.from_url(database_url)  # a process of its own, stopping
    numbers = [f"+86137000000{i}" for i in range(3)]
    waiting = [asyncio.create_task(other.grouped.run(_add(n))) for n in numbers]
    await asyncio.sleep(0)  # handed to the group, its window not over
    grouped = other.grouped
    assert grouped.groups == 0
    await other.close()
    assert grouped.groups == 1
    assert [task.result() for task in waiting] == numbers
    assert await _numbers(db) == numbers


async def test_a_locked_database_fails_the_group_at_once(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    if db.dialect != "sqlite":
        pytest.skip("SQLite's write lock")
    monkeypatch.setattr(ivr.db.session, "SQLITE_BUSY_TIMEOUT_MS", 200)
    await db.transactions.close()  # its connection reopens with the short busy timeout
    db._transactions = None  # noqa: SLF001 - a fresh runner for the patched timeout
    db._grouped = None  # noqa: SLF001
    await db.grouped.run(_add("+8613600000008"))  # connected, the file in WAL mode
    commits = _commits(db)
    sent = db.statements
    holder = sqlite3.connect(db.engine.url.database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds SQLite's write lock
    try:
        outcomes = await asyncio.gather(
            *(db.grouped.run(_add(f"+86136000000{i}")) for i in range(4)),
            return_exceptions=True)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert all(isinstance(o, OperationalError) for o in outcomes), outcomes
    assert "locked" in str(outcomes[0])
    assert commits == []
    # one attempt for the group, its first insert refused: not tried again piece by piece
    assert db.statements - sent == 1
    await db.grouped.run(_add("+8613600000009"))  # the lock gone, writes go through again
    assert await _numbers(db) == ["+8613600000008", "+8613600000009"]
