"""The database check behind /api/health."""

from __future__ import annotations

from ivr.db.session import Database
from ivr.services.health import DatabaseHealth


async def test_a_database_that_answers_is_up(db: Database) -> None:
    assert await DatabaseHealth(db).status() == "up"


async def test_a_database_that_does_not_answer_is_down_by_error_type_only() -> None:
    # Nothing listens on port 1; asyncpg needs no server (nor a thread) to fail.
    db = Database.from_url("postgresql+asyncpg://hotline:s3cret@127.0.0.1:1/ivr")
    try:
        status = await DatabaseHealth(db).status()
    finally:
        await db.close()
    assert status.startswith("down: ") and status != "down: "
    assert "s3cret" not in status and "127.0.0.1" not in status
