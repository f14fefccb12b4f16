"""The monthly reports (月报), written once per month by whichever process claims the month.

Several `ivr serve` processes may share one database: each tries to claim the month by
inserting its row; the one whose insert lands writes the report, the others see the row and
leave it. A claim left `writing` past `stale` (the process died mid-way) may be taken over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ivr.db.models import MonthlyReport
from ivr.db.session import Database

WRITING, READY = "writing", "ready"


@dataclass(frozen=True)
class MonthlyReportInfo:
    month: str  # YYYY-MM
    state: str
    claimed_by: str
    finished_at: datetime | None


class MonthlyReports:
    def __init__(self, db: Database, *, stale: timedelta = timedelta(minutes=15)) -> None:
        self._db = db
        self._stale = stale

    async def claim(self, month: str, by: str, now: datetime) -> bool:
        """True when this caller is the one to write `month`'s report."""
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        async with self._db.sessionmaker() as session, session.begin():
            done = await session.execute(
                insert(MonthlyReport).values(month=month, state=WRITING, claimed_by=by[:100],
                                             claimed_at=now)
                .on_conflict_do_nothing(index_elements=[MonthlyReport.month]))
            if getattr(done, "rowcount", 0):
                return True
            taken = await session.execute(
                update(MonthlyReport)
                .where(MonthlyReport.month == month, MonthlyReport.state == WRITING,
                       MonthlyReport.claimed_at < now - self._stale)
                .values(claimed_by=by[:100], claimed_at=now)
                .execution_options(synchronize_session=False))
            return bool(getattr(taken, "rowcount", 0))

    async def finish(self, month: str, by: str, figures: dict[str, Any], xlsx: bytes,
                     now: datetime) -> bool:
        """Store the report; False (nothing stored) if the claim was taken over meanwhile."""
        async with self._db.sessionmaker() as session, session.begin():
            done = await session.execute(
                update(MonthlyReport)
                .where(MonthlyReport.month == month, MonthlyReport.claimed_by == by[:100],
                       MonthlyReport.state == WRITING)
                .values(state=READY, figures=figures, xlsx=xlsx, finished_at=now)
                .execution_options(synchronize_session=False))
            return bool(getattr(done, "rowcount", 0))

    async def release(self, month: str, by: str) -> None:
        """Give up a claim after a failure, so the next try starts afresh."""
        async with self._db.sessionmaker() as session, session.begin():
            await session.execute(delete(MonthlyReport).where(
                MonthlyReport.month == month, MonthlyReport.claimed_by == by[:100],
                MonthlyReport.state == WRITING))

    async def list(self) -> list[MonthlyReportInfo]:
        """Every month with a row, newest first (the XLSX itself is not loaded)."""
        query = select(MonthlyReport.month, MonthlyReport.state, MonthlyReport.claimed_by,
                       MonthlyReport.finished_at).order_by(MonthlyReport.month.desc())
        async with self._db.sessionmaker() as session:
            return [MonthlyReportInfo(*row) for row in await session.execute(query)]

    async def ready(self, month: str) -> bool:
        async with self._db.sessionmaker() as session:
            return await session.scalar(select(MonthlyReport.state).where(
                MonthlyReport.month == month)) == READY

    async def xlsx(self, month: str) -> bytes | None:
        async with self._db.sessionmaker() as session:
            return await session.scalar(select(MonthlyReport.xlsx).where(
                MonthlyReport.month == month, MonthlyReport.state == READY))

    async def figures(self, month: str) -> dict[str, Any] | None:
        async with self._db.sessionmaker() as session:
            return await session.scalar(select(MonthlyReport.figures).where(
                MonthlyReport.month == month, MonthlyReport.state == READY))
