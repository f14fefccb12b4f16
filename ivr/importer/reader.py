"""Streaming CSV reading with the line numbers a person sees in an editor."""

from __future__ import annotations

import codecs
import csv
import difflib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ivr.importer.errors import CsvImportError

ByteProgress = Callable[[int], None]


@dataclass(frozen=True)
class Row:
    line: int  # the line the record starts on; the header is line 1
    values: dict[str, str]  # column -> value, surrounding whitespace removed


def read_rows(
    path: Path, columns: Sequence[str], on_bytes: ByteProgress | None = None
) -> Iterator[Row]:
    """The records of `path`, checked against exactly `columns` (any order)."""
    with path.open("rb") as fh:
        reader = csv.reader(_text_lines(fh, path, on_bytes), strict=True)
        try:
            try:
                header = [name.strip() for name in next(reader)]
            except StopIteration:
                raise CsvImportError(path, 1, "header", "the file is empty") from None
            _check_header(path, header, columns)
            last_line = reader.line_num
            for record in reader:
                line, last_line = last_line + 1, reader.line_num
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue  # blank line
                if len(record) != len(header):
                    raise CsvImportError(
                        path, line, "row", f"{len(record)} values, the header has {len(header)}"
                    )
                yield Row(
                    line, {name: value.strip() for name, value in zip(header, record, strict=True)}
                )
        except csv.Error as exc:
            raise CsvImportError(path, reader.line_num, "row", f"malformed CSV: {exc}") from None


def _text_lines(fh: BinaryIO, path: Path, on_bytes: ByteProgress | None) -> Iterator[str]:
    for number, raw in enumerate(fh, start=1):
        if on_bytes is not None:
            on_bytes(len(raw))
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CsvImportError(path, number, "file", "not UTF-8 text") from None


def _check_header(path: Path, header: list[str], columns: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise CsvImportError(path, 1, "header", f"column {name!r} appears twice")
        seen.add(name)
        if name not in columns:
            close = difflib.get_close_matches(name, columns, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise CsvImportError(
                path, 1, "header", f"unknown column {name!r}{hint}; expected {', '.join(columns)}"
            )
    missing = [name for name in columns if name not in seen]
    if missing:
        raise CsvImportError(path, 1, "header", f"missing column(s) {', '.join(missing)}")
