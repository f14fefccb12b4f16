"""The database check behind /api/health."""

from __future__ import annotations

from pathlib import Path

from ivr.db.session import Database
from ivr.services.health import DatabaseHealth


async def test_a_database_that_answers_is_up(db: Database) -> None:
    assert await DatabaseHealth(db).status() == "up"


async def test_a_database_that_cannot_be_opened_is_down_by_error_type_only(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ivr.db"
    path.mkdir()  # a directory where the file should be: SQLite cannot open it
    db = Database.from_url(f"sqlite+aiosqlite:///{path}")
    try:
        status = await DatabaseHealth(db).status()
    finally:
        await db.close()
    assert status == "down: OperationalError"
    assert str(tmp_path) not in status
