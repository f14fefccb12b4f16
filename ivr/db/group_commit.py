"""Group commit: writes that can wait a moment share one transaction.

Every call writes its record twice (its start, while the greeting plays; its end with the
journey, after the caller is gone) and nobody waits on either. Alone, each write is a hand-off
to the database thread and back and, with `synchronous=FULL`, an fsync: at 50 calls a second,
a hundred of each a second, and the hand-offs cost more CPU than the statements. Gathered for
`window` seconds, every call started or ended in that time is written in one transaction: one
hand-off and one fsync for all of them.

Each `run` still returns only once its own work is committed, so nothing is promised before
it is durable. A group whose transaction fails is tried again one piece at a time, so one bad
piece cannot take the others down; a database that cannot be written (locked past its busy
timeout, unreachable) fails the whole group at once, and each caller handles it as it would
its own failure. Groups are committed one after another, in the order their work arrived.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from ivr.db.transactions import Transactions

T = TypeVar("T")
Work = Callable[[Connection], Any]

log = logging.getLogger(__name__)

GROUP_WINDOW = 0.05  # seconds work waits for company: at 50 calls a second, about five writes
GROUP_LIMIT = 200  # pieces of work in one transaction at most: a storm's groups stay short


class GroupCommit:
    def __init__(self, transactions: Transactions, *, window: float = GROUP_WINDOW,
                 limit: int = GROUP_LIMIT) -> None:
        self._transactions = transactions
        self._window = window
        self._limit = limit
        self._pending: list[tuple[Work, asyncio.Future[Any]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._writer: asyncio.Task[None] | None = None
        self.groups = 0  # transactions committed, for the benchmarks and tests

    async def run(self, work: Callable[[Connection], T]) -> T:
        """`work(conn)`, committed with whatever else arrives within the window; its result
        once committed. A caller that stops waiting does not withdraw its work."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        self._pending.append((work, done))
        if len(self._pending) >= self._limit:
            self._flush()
        elif self._timer is None and (self._writer is None or self._writer.done()):
            self._timer = loop.call_later(self._window, self._flush)
        return await done

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        # else: the running writer takes what is pending when its group is committed

    async def _write(self) -> None:
        while self._pending:
            group, self._pending = self._pending[:self._limit], self._pending[self._limit:]
            try:
                results = await self._transactions.run(_all_of([work for work, _ in group]))
            except asyncio.CancelledError:
                _fail(group, ConnectionAbortedError("the database was closed mid-write"))
                raise
            except OperationalError as exc:  # nothing in this group can be written now
                _fail(group, exc)
            except Exception:
                await self._one_by_one(group)
            else:
                self.groups += 1
                for (_, done), result in zip(group, results, strict=True):
                    if not done.done():
                        done.set_result(result)

    async def _one_by_one(self, group: list[tuple[Work, asyncio.Future[Any]]]) -> None:
        log.warning("a group of %d writes failed; writing them one at a time", len(group))
        for work, done in group:
            try:
                result = await self._transactions.run(work)
            except Exception as exc:
                _fail([(work, done)], exc)
            else:
                if not done.done():
                    done.set_result(result)

    async def close(self) -> None:
        """Commit what is pending now, and wait for it."""
        if self._pending:
            self._flush()
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)


def _all_of(works: list[Work]) -> Callable[[Connection], list[Any]]:
    return lambda conn: [work(conn) for work in works]


def _fail(group: list[tuple[Work, asyncio.Future[Any]]], exc: BaseException) -> None:
    for _, done in group:
        if not done.done():
            done.set_exception(exc)
