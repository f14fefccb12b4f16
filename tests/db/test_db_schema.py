from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from ivr.db.migrate import head_revision, upgrade_database_async
from ivr.db.models import Base, Outage
from ivr.db.session import Database, DatabaseNotMigrated

BEIJING = timezone(timedelta(hours=8))


async def test_models_match_migrations(db: Database) -> None:
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
            )
        )
    assert diff == []


async def test_migrated_database_passes_the_check(db: Database) -> None:
    await db.check_migrated()
    assert await db.current_revision() == head_revision()


async def test_upgrade_creates_the_sqlite_file_and_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "var" / "ivr.db"
    url = f"sqlite+aiosqlite:///{path}"
    database = Database.from_url(url)
    try:
        with pytest.raises(DatabaseNotMigrated) as excinfo:
            await database.check_migrated()
        message = str(excinfo.value)
        assert "none (empty)" in message
        assert f"code needs {head_revision()}: run `ivr db upgrade`" in message
        await database.close()
        path.unlink()
        path.parent.rmdir()
        await upgrade_database_async(url)
        assert path.exists()
        await database.check_migrated()
    finally:
        await database.close()


async def test_sqlite_is_durable_and_checks_foreign_keys(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with database.engine.connect() as conn:
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
            sync = (await conn.execute(text("PRAGMA synchronous"))).scalar()
            fks = (await conn.execute(text("PRAGMA foreign_keys"))).scalar()
            busy = (await conn.execute(text("PRAGMA busy_timeout"))).scalar()
        assert (mode, sync, fks) == ("wal", 2, 1)
        assert busy and busy >= 1000
    finally:
        await database.close()


async def test_instants_come_back_aware_in_utc(db: Database) -> None:
    starts = datetime(2025, 11, 25, 8, 40, tzinfo=BEIJING)
    async with db.sessionmaker() as session, session.begin():
        session.add(
            Outage(id="F1", kind="fault", starts_at=starts, status="active", updated_at=starts)
        )
    async with db.sessionmaker() as session:
        row = await session.get(Outage, "F1")
        assert row is not None
        assert row.starts_at == starts
        assert row.starts_at.utcoffset() == timedelta(0)
        assert row.starts_at.hour == 0 and row.starts_at.tzinfo is not None
        assert row.restore_eta is None


async def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with db.sessionmaker() as session, session.begin():
            naive = datetime(2025, 11, 25, 8, 40)
            session.add(
                Outage(
                    id="F1",
                    kind="fault",
                    starts_at=naive,
                    status="active",
                    updated_at=datetime.now(UTC),
                )
            )
