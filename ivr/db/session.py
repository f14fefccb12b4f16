"""The database handle: one async engine and its session factory, per process."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from ivr.db.group_commit import GroupCommit
from ivr.db.transactions import Transactions

if TYPE_CHECKING:
    from ivr.config import Settings

log = logging.getLogger(__name__)

# How long a SQLite writer waits for another writer before giving up, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 10_000


class DatabaseNotMigrated(Exception):
    """The schema is not at the revision this code was written for."""


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; the message names its URL (password hidden)."""


class Database:
    """An async engine and session factory. Create with `from_url` or `from_settings`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )
        self.statements = 0  # SQL statements sent, for /api/health and the benchmarks
        event.listen(engine.sync_engine, "before_cursor_execute", self._counted)
        self._transactions: Transactions | None = None
        self._reads: Transactions | None = None
        self._grouped: GroupCommit | None = None

    def _counted(self, *_args: Any) -> None:
        self.statements += 1

    def _add_statements(self, n: int) -> None:
        self.statements += n

    @property
    def transactions(self) -> Transactions:
        """Whole transactions as one piece (on SQLite, one hop to a thread of their own), for
        hot paths; started on first use, stopped by `close`."""
        if self._transactions is None:
            self._transactions = self._runner()
        return self._transactions

    @property
    def grouped(self) -> GroupCommit:
        """Writes nobody waits on at once (a call's record), committed together with the
        others of the same moment over `transactions`: one hop and one fsync for a group."""
        if self._grouped is None:
            self._grouped = GroupCommit(self.transactions)
        return self._grouped

    @property
    def reads(self) -> Transactions:
        """Like `transactions`, on a thread of their own, for the reads a call makes (its
        customer, bills, outages): a read in WAL never waits for a lock, so a writer waiting
        for SQLite's write lock (an import, the dialer) never holds a caller's read up."""
        if self._reads is None:
            self._reads = self._runner()
        return self._reads

    def _runner(self) -> Transactions:
        return Transactions(self.engine, on_connect=_sqlite_pragmas,
                            on_statements=self._add_statements)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls.from_url(settings.sqlalchemy_url)

    @classmethod
    def from_url(cls, url: str) -> Database:
        """`url` is an async SQLAlchemy URL (`sqlite+aiosqlite:///...`, `postgresql+asyncpg://...`)."""
        if make_url(url).get_backend_name() == "sqlite":
            ensure_sqlite_dir(url)
            engine = create_async_engine(
                url,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                hide_parameters=True,  # errors must not log callers' phone and account numbers
            )
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            engine = create_async_engine(url, pool_pre_ping=True, hide_parameters=True)
        return cls(engine)

    @property
    def url(self) -> str:
        """The URL with any password hidden, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def current_revision(self) -> str | None:
        """The Alembic revision the database is at; None for a database never migrated."""
        from alembic.runtime.migration import MigrationContext

        try:
            async with self.engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: MigrationContext.configure(sync).get_current_revision()
                )
        except (OSError, DBAPIError) as exc:
            raise DatabaseUnavailable(f"cannot reach the database at {self.url}: {exc}") from None

    async def check_migrated(self) -> None:
        """Raise `DatabaseNotMigrated` unless the schema is at the code's head revision."""
        from ivr.db.migrate import head_revision

        current = await self.current_revision()
        head = head_revision()
        if current != head:
            raise DatabaseNotMigrated(
                f"database at {self.url} is at revision {current or 'none (empty)'}, "
                f"code needs {head}: run `ivr db upgrade`"
            )

    async def close(self) -> None:
        if self._grouped is not None:
            await self._grouped.close()  # before its transactions' thread stops
            self._grouped = None
        for runner in (self._transactions, self._reads):
            if runner is not None:
                await runner.close()
        self._transactions = self._reads = None
        await self.engine.dispose()


def ensure_sqlite_dir(url: str) -> None:
    """Create the directory of a SQLite database file, so a fresh install needs no `mkdir`."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets callers read while a work order is written; FULL makes a committed work order
    # survive power loss; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
