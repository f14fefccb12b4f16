"""The official holiday schedule an administrator loads for years the package does not cover,
and the deadlines counted on it (the pure counting is in `ivr.services.workdays`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from sqlalchemy import extract, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.db.enums import CalendarDayKind
from ivr.db.models import CalendarDay
from ivr.db.session import Database
from ivr.services.errors import ValidationError, parse_choice
from ivr.services.workdays import Deadline, Schedule, is_official, working_deadline

# Schedules are published in November or December: from this month on, next year's is expected.
WARN_FROM_MONTH = 12


@dataclass(frozen=True)
class CalendarEntry:
    day: date
    kind: CalendarDayKind
    name: str


def calendar_entry(day: date, kind: CalendarDayKind | str, name: str) -> CalendarEntry:
    """A checked entry; `ValidationError` naming the field otherwise."""
    parsed = parse_choice(CalendarDayKind, "kind", kind)
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError("date", "a date (YYYY-MM-DD) is required")
    if len(name) > 100:
        raise ValidationError("name", "longer than 100 characters")
    return CalendarEntry(day=day, kind=parsed, name=name.strip())


async def store_entries(
    session: AsyncSession, dialect: str, entries: Sequence[CalendarEntry], now: datetime
) -> None:
    """Insert or replace days inside the caller's transaction (the API and the importer)."""
    if not entries:
        return
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(CalendarDay).values(
        [{"day": e.day, "kind": e.kind, "name": e.name, "loaded_at": now} for e in entries]
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[CalendarDay.day],
            set_={"kind": stmt.excluded.kind, "name": stmt.excluded.name,
                  "loaded_at": stmt.excluded.loaded_at},
        )
    )


class WorkingCalendar:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def schedule(self, years: Iterable[int]) -> Schedule:
        """The loaded days of `years` (only the years that have any are covered)."""
        wanted = sorted(set(years))
        query = select(CalendarDay).where(extract("year", CalendarDay.day).in_(wanted))
        async with self._db.sessionmaker() as session:
            rows = list(await session.scalars(query))
        return Schedule(
            days={row.day: row.kind == CalendarDayKind.WORKDAY for row in rows},
            years=frozenset(row.day.year for row in rows),
        )

    async def deadline(self, start: datetime, n: int, tz: tzinfo) -> Deadline:
        # Deadlines are at most a few weeks ahead: this year and the next suffice.
        year = start.astimezone(tz).year
        return working_deadline(start, n, tz, await self.schedule((year, year + 1)))

    async def load(self, entries: Sequence[CalendarEntry], now: datetime | None = None) -> int:
        """Store days (replacing any already loaded for the same date); returns how many."""
        async with self._db.sessionmaker() as session, session.begin():
            await store_entries(session, self._db.dialect, entries, now or datetime.now(UTC))
        return len(entries)

    async def entries(self, year: int) -> list[CalendarEntry]:
        query = (
            select(CalendarDay)
            .where(extract("year", CalendarDay.day) == year)
            .order_by(CalendarDay.day)
        )
        async with self._db.sessionmaker() as session:
            return [
                CalendarEntry(row.day, CalendarDayKind(row.kind), row.name)
                for row in await session.scalars(query)
            ]

    async def missing_schedule_warning(self, today: date) -> str | None:
        """From 1 December, a warning when next year's official schedule is not known."""
        if today.month < WARN_FROM_MONTH:
            return None
        next_year = today.year + 1
        if is_official(next_year, await self.schedule((next_year,))):
            return None
        return (
            f"no official holiday schedule for {next_year}: deadlines in it will be provisional "
            f"(load it with `ivr calendar import FILE.csv` or POST /api/calendar)"
        )
