"""`ivr calendar import FILE.csv`: official holiday schedules the holiday package lacks."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import click

from ivr.config import Settings
from ivr.db.session import Database, DatabaseNotMigrated
from ivr.importer import CsvImportError, ImportResult, import_csv
from ivr.services.tickets import Tickets


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
        outcome = asyncio.run(_run(settings, file))
    except (CsvImportError, DatabaseNotMigrated) as exc:
        raise click.ClickException(str(exc)) from None
    result, recounted = outcome
    click.echo(f"calendar: {result.inserted} new, {result.updated} updated; "
               f"{recounted} provisional work-order deadlines counted again")


async def _run(settings: Settings, file: Path) -> tuple[ImportResult, int]:
    database = Database.from_settings(settings)
    try:
        await database.check_migrated()
        result = await import_csv(database, "calendar", file)
        tickets = Tickets(database, settings.timezone,
                          repair_arrival=timedelta(hours=settings.repair_arrival_hours))
        return result, await tickets.recount_provisional(by="ivr calendar import")
    finally:
        await database.close()
