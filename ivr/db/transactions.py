"""Whole transactions run as one piece, for hot paths (each call's reads and its record, the
dialer's claims and results).

A transaction is a plain function over a SQLAlchemy `Connection`, committed when it returns
and rolled back if it raises. Through the async engine on SQLite every statement costs several
hops to aiosqlite's worker thread (cursor, execute, fetch, close) and the adapter's greenlet
switches: about 0.2 ms of CPU a statement, more than SQLite's own work. So on a SQLite file
the function runs on a thread of its own, over a plain sqlite3 connection to the same file
with the same pragmas: one hop a transaction. On other databases (PostgreSQL over asyncpg)
the same function runs through the async engine's `run_sync`: the statements, their order and
their transaction are the same either way.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")
ConnectHook = Callable[[Any, Any], None]


class _Abandoned(Exception):
    """The caller gave up (it was cancelled) before the commit: roll back instead."""


class Transactions:
    def __init__(self, engine: AsyncEngine, *, on_connect: ConnectHook,
                 on_statements: Callable[[int], None]) -> None:
        self._engine = engine
        self._on_statements = on_statements
        self._sync: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._statements = 0  # counted on the worker thread, reported on the caller's
        self._reported = 0
        url = engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            self._sync = create_engine(url.set(drivername="sqlite"), hide_parameters=True)
            event.listen(self._sync, "connect", on_connect)
            event.listen(self._sync, "before_cursor_execute", self._counted)
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="db-transactions")
        # The thread's one connection, kept open: checking one out of the pool and back in
        # (its reset, its events) for every transaction cost more than the statements' work.
        self._conn: Connection | None = None

    @property
    def sync_engine(self) -> Engine:
        """The engine whose connections run the work (for event listeners, as in tests)."""
        return self._sync if self._sync is not None else self._engine.sync_engine

    @property
    def on_own_thread(self) -> bool:
        return self._thread is not None

    def _counted(self, *_args: Any) -> None:
        self._statements += 1

    async def run(self, work: Callable[[Connection], T]) -> T:
        """`work(conn)` in one transaction; its result once committed."""
        if self._thread is None:
            async with self._engine.begin() as conn:
                return await conn.run_sync(work)
        abandoned = threading.Event()
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._thread, self._in_thread, work, abandoned)
        except asyncio.CancelledError:
            # Checked on the thread just before the commit: a caller cancelled while its
            # statements ran (the dialer stopping mid-claim) leaves nothing written.
            abandoned.set()
            raise
        finally:
            counted = self._statements
            self._on_statements(counted - self._reported)
            self._reported = counted

    def _in_thread(self, work: Callable[[Connection], T], abandoned: threading.Event) -> T:
        assert self._sync is not None
        if self._conn is None:
            self._conn = self._sync.connect()
        conn = self._conn
        try:
            with conn.begin():
                result = work(conn)
                if abandoned.is_set():
                    raise _Abandoned
                return result
        except BaseException:
            # rolled back; the next transaction starts on a fresh connection, as it did when
            # each took one from the pool (whatever went wrong may have been the connection)
            self._close_conn()
            raise

    def _close_conn(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _dispose(self) -> None:
        assert self._sync is not None
        self._close_conn()
        self._sync.dispose()

    async def close(self) -> None:
        if self._thread is None or self._sync is None:
            return
        # sqlite3 connections are closed on the thread that opened them.
        await asyncio.get_running_loop().run_in_executor(self._thread, self._dispose)
        self._thread.shutdown(wait=False)
        self._thread = None
