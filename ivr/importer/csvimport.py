"""`import_csv`: one file, checked completely, then written in bounded batches.

The file is read twice, streaming: the first pass checks every row (and, for bills, that each
account exists) without writing; the second writes the rows, committing every `COMMIT_ROWS`.

The all-or-nothing rule: a file with any bad row writes nothing (the first pass finds it before
a single write). A good file is written in batches so that calls are never locked out: on
SQLite one transaction over 100,000 rows held the database's only write lock for ~26 s, longer
than the 10 s a call's write waits, and repair callers lost their work orders. If the import
itself is stopped part-way (kill, power loss), part of the file is in and the rest is not; the
import is idempotent (rows are upserted by key), so running the same file again completes it.
`ivr import` says so when it fails after the first commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ivr.db.session import Database
from ivr.importer.errors import CsvImportError
from ivr.importer.kinds import KINDS, Batch, ColumnError, Kind
from ivr.importer.reader import read_rows

log = logging.getLogger(__name__)

BATCH_SIZE = 500
COMMIT_ROWS = 2000  # ~0.5 s of SQLite's write lock on the 2-core machine
# SQLite: a pause after each commit, longer than SQLite's longest busy-wait sleep (100 ms), so a
# call waiting to write gets the lock before the next batch takes it again.
COMMIT_PAUSE = 0.15
Progress = Callable[[int, int], None]  # (bytes processed, bytes to process over both passes)


class PartialImportError(Exception):
    """The write pass failed after some batches were committed (rerun the file to finish)."""


@dataclass(frozen=True)
class ImportResult:
    kind: str
    inserted: int
    updated: int


async def import_csv(
    db: Database, kind: str, path: Path | str, progress: Progress | None = None
) -> ImportResult:
    """Import `path` as `kind` (customers, outages, bills, agents). Raises `CsvImportError`."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    path = Path(path)
    try:
        total = 2 * path.stat().st_size
    except OSError as exc:
        raise CsvImportError(path, 0, "file", f"cannot read: {exc.strerror}") from None
    done = 0

    def on_bytes(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    async with db.sessionmaker() as session:
        seen: dict[Any, int] = {}
        for batch in _batches(spec, path, on_bytes):
            for line, key, _ in batch:
                if key in seen:
                    raise CsvImportError(
                        path, line, spec.key_column, f"duplicate of line {seen[key]}"
                    )
                seen[key] = line
            missing = await spec.check(Batch(session, db.dialect, batch))
            if missing is not None:
                raise CsvImportError(path, *missing)
        seen.clear()
        await session.rollback()  # end the read-only first pass before taking the write lock

        inserted, updated = await _write(session, db.dialect, spec, path, on_bytes)
    log.info("imported %s from %s: %d new, %d updated", kind, path, inserted, updated)
    return ImportResult(kind=kind, inserted=inserted, updated=updated)


async def _write(
    session: AsyncSession, dialect: str, spec: Kind, path: Path, on_bytes: Callable[[int], None]
) -> tuple[int, int]:
    """The write pass, committed every COMMIT_ROWS rows; (inserted, updated)."""
    inserted = updated = 0
    pending = 0  # rows written in the open transaction
    try:
        await session.begin()
        for batch in _batches(spec, path, on_bytes):
            added, changed = await spec.write(Batch(session, dialect, batch))
            inserted, updated = inserted + added, updated + changed
            pending += len(batch)
            if pending >= COMMIT_ROWS:
                await session.commit()
                pending = 0
                if dialect == "sqlite":
                    await asyncio.sleep(COMMIT_PAUSE)
                await session.begin()
        await session.commit()
    except BaseException as exc:
        await session.rollback()
        committed = inserted + updated - pending
        if committed > 0 and isinstance(exc, Exception):
            raise PartialImportError(
                f"{path}: stopped after {committed} rows were written ({exc}); "
                "run the same file again to complete the import") from exc
        raise
    return inserted, updated


def _batches(
    spec: Kind, path: Path, on_bytes: Callable[[int], None]
) -> Iterator[list[tuple[int, Any, dict[str, Any]]]]:
    batch: list[tuple[int, Any, dict[str, Any]]] = []
    for row in read_rows(path, spec.columns, on_bytes):
        try:
            key, record = spec.parse(row.values)
        except ColumnError as exc:
            raise CsvImportError(path, row.line, exc.column, exc.message) from None
        batch.append((row.line, key, record))
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch
