"""The error an import stops with."""

from __future__ import annotations

from pathlib import Path


class CsvImportError(Exception):
    """A file that cannot be imported; `str()` is `FILE:LINE: column: what is wrong`.

    `line` is the line as an editor numbers it (the header is line 1); `column` is the CSV
    column name, or `header` / `row` / `file` for problems not tied to one value.
    """

    def __init__(self, path: Path | str, line: int, column: str, message: str) -> None:
        super().__init__(f"{path}:{line}: {column}: {message}")
        self.path = str(path)
        self.line = line
        self.column = column
        self.message = message


class FieldError(ValueError):
    """One value is wrong; the reader adds the file, line and column."""
