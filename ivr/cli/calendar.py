"""`ivr calendar import FILE.csv`: official holiday schedules the holiday package lacks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from ivr.config import Settings
from ivr.db.session import Database, DatabaseNotMigrated
from ivr.importer import CsvImportError, ImportResult, import_csv


@click.group()
def calendar() -> None:
    """The working-day calendar that work-order deadlines count on."""


@calendar.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_calendar(settings: Settings, file: Path) -> None:
    """Load FILE (columns date,kind,name; kind holiday or workday): all of it, or nothing if a
    row is wrong. A day already loaded is replaced; a loaded year takes precedence over the
    package's data for that year."""
    try:
        result = asyncio.run(_run(settings, file))
    except (CsvImportError, DatabaseNotMigrated) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"calendar: {result.inserted} new, {result.updated} updated")


async def _run(settings: Settings, file: Path) -> ImportResult:
    database = Database.from_settings(settings)
    try:
        await database.check_migrated()
        return await import_csv(database, "calendar", file)
    finally:
        await database.close()
