"""`import_csv`: one file, checked completely, then written in one transaction.

The file is read twice, streaming: the first pass checks every row (and, for bills, that each
account exists) without writing; the second writes all rows in a single transaction. A bad
row therefore leaves the database untouched, and the write lock is held only for the second
pass, not while a person's broken file is being read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivr.db.session import Database
from ivr.importer.errors import CsvImportError
from ivr.importer.kinds import KINDS, Batch, ColumnError, Kind
from ivr.importer.reader import read_rows

log = logging.getLogger(__name__)

BATCH_SIZE = 500
Progress = Callable[[int, int], None]  # (bytes processed, bytes to process over both passes)


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

        inserted = updated = 0
        async with session.begin():
            for batch in _batches(spec, path, on_bytes):
                added, changed = await spec.write(Batch(session, db.dialect, batch))
                inserted, updated = inserted + added, updated + changed
    log.info("imported %s from %s: %d new, %d updated", kind, path, inserted, updated)
    return ImportResult(kind=kind, inserted=inserted, updated=updated)


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
