"""What several IVR processes on one PostgreSQL need from it, and nothing more: session advisory
locks (who is alive, who owns a job) and LISTEN (who must forget a cache).

Both live and die with one connection, so each holds a connection of its own outside the
pool's transactions (autocommit). When that connection drops (the database restarted, a network
cut), the lock is gone and notifications were missed: `SessionLock.alive()` says so, and
`listen` tells its caller to forget what it may have missed before listening again. On SQLite
(one process by design) nothing here is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from ivr.db.session import Database

log = logging.getLogger(__name__)

LISTEN_CHECK_SECONDS = 5.0  # how often a listening connection is checked to be alive
LISTEN_RETRY_SECONDS = 2.0


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for `name` (the same in every process)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big",
                          signed=True)


async def _autocommit(db: Database) -> AsyncConnection:
    """A connection outside the pool (held for hours, it must not take a caller's slot)."""
    engine = create_async_engine(db.engine.url, poolclass=NullPool,
                                 isolation_level="AUTOCOMMIT", hide_parameters=True)
    return await engine.connect()


async def held_locks(db: Database) -> set[int]:
    """The keys of every session advisory lock held now, by anyone (one pooled query: asking
    this first spares a connection per live process on every sweep)."""
    async with db.engine.connect() as conn:
        rows = await conn.execute(text(
            "SELECT classid::bigint, objid::bigint FROM pg_locks "
            "WHERE locktype = 'advisory' AND objsubid = 1 AND granted"))
        keys = set()
        for high, low in rows:
            key = (int(high) << 32) | int(low)
            keys.add(key - (1 << 64) if key >= 1 << 63 else key)
        return keys


class SessionLock:
    """A session advisory lock on a connection of its own, held until `release` or until the
    connection (or the process) dies."""

    def __init__(self, db: Database, name: str) -> None:
        self.db, self.name, self.key = db, name, lock_key(name)
        self._conn: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    async def try_acquire(self) -> bool:
        if self._conn is not None:
            return True
        conn = await _autocommit(self.db)
        try:
            got = await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})
        except BaseException:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def alive(self) -> bool:
        """Whether the lock is still held: its connection still answers."""
        conn = self._conn
        if conn is None:
            return False
        try:
            async with asyncio.timeout(LISTEN_CHECK_SECONDS):
                await conn.execute(text("SELECT 1"))
            return True
        except Exception as exc:
            log.warning("lock %s lost with its connection: %s", self.name, exc)
            await self._drop()
            return False

    async def release(self) -> None:
        conn = self._conn
        if conn is None:
            return
        with contextlib.suppress(Exception):
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()


async def notify(db: Database, channel: str, payload: str = "") -> None:
    """NOTIFY `channel` now (outside any transaction)."""
    async with db.engine.connect() as conn:
        await conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": payload})
        await conn.commit()


async def listen(db: Database, channel: str, on_notify: Callable[[str], None],
                 on_gap: Callable[[], None], *,
                 listening: asyncio.Event | None = None) -> None:
    """LISTEN on `channel` until cancelled, calling `on_notify(payload)` for each notification.
    Whenever listening (re)starts, `on_gap()` is called first: what was notified meanwhile is
    lost. `listening` is set once the first LISTEN is in place."""
    while True:
        conn: AsyncConnection | None = None
        try:
            conn = await _autocommit(db)
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None

            def deliver(_conn: object, _pid: int, _channel: str, payload: str) -> None:
                try:
                    on_notify(payload)
                except Exception:  # a listener's bug must not end the listening
                    log.exception("NOTIFY %s handler failed", channel)

            await raw.add_listener(channel, deliver)
            on_gap()
            if listening is not None:
                listening.set()
            while True:
                await asyncio.sleep(LISTEN_CHECK_SECONDS)
                async with asyncio.timeout(LISTEN_CHECK_SECONDS):
                    await conn.execute(text("SELECT 1"))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("LISTEN %s interrupted (%s); listening again in %.0f s", channel, exc,
                        LISTEN_RETRY_SECONDS)
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(conn.close())
        await asyncio.sleep(LISTEN_RETRY_SECONDS)
