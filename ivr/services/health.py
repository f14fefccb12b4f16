"""Whether the database answers, for `/api/health` and whatever else watches the hotline."""

from __future__ import annotations

from sqlalchemy import text

from ivr.db.session import Database


class DatabaseHealth:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def status(self) -> str:
        """`up`, or `down: <error type>` (the type only: a message could carry the URL)."""
        try:
            async with self._db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # any failure means down; the page must still answer
            return f"down: {type(exc).__name__}"
        return "up"
