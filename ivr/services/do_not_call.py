"""The do-not-call list every campaign honours: imported from CSV, listed, and numbers taken
off it. A file is checked whole before anything is written: every bad row is reported as
`FILE:LINE: column: problem`, and one bad row writes nothing. Numbers are stored in E.164, the
form `ivr.services.phones` gives caller ids and customer records, so `013800138000`,
`+86 138-0013-8000` and `8613800138000` are one entry."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ivr.db.models import DoNotCall
from ivr.db.session import Database
from ivr.services.errors import ValidationError
from ivr.services.phones import normalize_phone

COLUMNS = ("number", "reason")  # reason is optional
MAX_PROBLEMS = 50  # reported at most; the count says how many there were


class DoNotCallFileError(ValidationError):
    """The file was refused; `problems` lists `FILE:LINE: column: problem`, first ones first."""

    def __init__(self, problems: list[str], total: int) -> None:
        more = f" (and {total - len(problems)} more)" if total > len(problems) else ""
        super().__init__("file", f"{total} problem(s), nothing imported{more}")
        self.problems = problems
        self.total = total


@dataclass(frozen=True)
class DoNotCallEntry:
    number: str
    reason: str
    source: str
    added_at: datetime


@dataclass(frozen=True)
class DoNotCallImport:
    rows: int  # numbers in the file (after duplicates within it)
    added: int  # new on the list
    already: int  # on the list before


def parse_do_not_call(name: str, text: str) -> list[tuple[str, str]]:
    """(E.164 number, reason) per row of a `number[,reason]` CSV, duplicates dropped; raises
    `DoNotCallFileError` with every problem when any row is wrong."""
    problems: list[str] = []
    total = 0

    def problem(line: int, column: str, message: str) -> None:
        nonlocal total
        total += 1
        if len(problems) < MAX_PROBLEMS:
            problems.append(f"{name}:{line}: {column}: {message}")

    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), strict=True)
    rows: dict[str, str] = {}
    try:
        header = _header(name, next(reader, []))
        last = reader.line_num
        for record in reader:
            line, last = last + 1, reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if len(record) != len(header):
                problem(line, "row", f"{len(record)} values, the header has {len(header)}")
                continue
            values = dict(zip(header, (v.strip() for v in record), strict=True))
            number = normalize_phone(values["number"])
            reason = values.get("reason", "")
            if number is None:
                problem(line, "number", f"{values['number']!r} is not a phone number")
            elif len(reason) > 200:
                problem(line, "reason", "longer than 200 characters")
            else:
                rows.setdefault(number, reason or "imported")
    except csv.Error as exc:
        problem(reader.line_num, "row", f"malformed CSV: {exc}")
    if total:
        raise DoNotCallFileError(problems, total)
    if not rows:
        raise DoNotCallFileError([f"{name}:1: file: no numbers in it"], 1)
    return list(rows.items())


def _header(name: str, raw: list[str]) -> list[str]:
    header = [h.strip() for h in raw]
    if "number" not in header:
        raise DoNotCallFileError([f"{name}:1: header: a 'number' column is required"], 1)
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise DoNotCallFileError([f"{name}:1: header: unknown column {unknown[0]!r}; "
                                  f"expected {', '.join(COLUMNS)}"], 1)
    return header


class DoNotCallList:
    def __init__(self, db: Database,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._db, self._clock = db, clock

    async def import_csv(self, name: str, text: str, source: str) -> DoNotCallImport:
        rows = parse_do_not_call(name, text)
        now = self._clock()
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        async with self._db.sessionmaker() as session, session.begin():
            before = set(await session.scalars(
                select(DoNotCall.number).where(DoNotCall.number.in_([n for n, _ in rows]))))
            fresh = [{"number": n, "reason": r[:200], "source": source[:100], "added_at": now}
                     for n, r in rows if n not in before]
            if fresh:
                await session.execute(
                    insert(DoNotCall).on_conflict_do_nothing(index_elements=[DoNotCall.number]),
                    fresh)
        return DoNotCallImport(len(rows), len(fresh), len(rows) - len(fresh))

    async def entries(self, number: str | None = None, limit: int = 500) -> list[DoNotCallEntry]:
        """Newest first; `number`: that one number (in any form a person writes it)."""
        query = select(DoNotCall).order_by(DoNotCall.added_at.desc(), DoNotCall.number)
        if number is not None:
            query = query.where(DoNotCall.number == _number(number))
        async with self._db.sessionmaker() as session:
            return [DoNotCallEntry(r.number, r.reason, r.source, r.added_at)
                    for r in await session.scalars(query.limit(limit))]

    async def remove(self, number: str) -> bool:
        """Take a number off the list (the customer asked to be called again); False if it
        was not on it."""
        async with self._db.sessionmaker() as session, session.begin():
            done = await session.execute(
                delete(DoNotCall).where(DoNotCall.number == _number(number)))
            return bool(getattr(done, "rowcount", 0))


def _number(raw: str) -> str:
    number = normalize_phone(raw)
    if number is None:
        raise ValidationError("number", f"{raw!r} is not a phone number")
    return number
