"""`ivr import customers|outages|bills|agents FILE.csv`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from ivr.config import Settings
from ivr.db.session import Database, DatabaseNotMigrated
from ivr.importer import KINDS, CsvImportError, ImportResult, PartialImportError, import_csv

PROGRESS_FROM_BYTES = 1_000_000  # smaller files are done before a bar would be seen


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_(settings: Settings, kind: str, file: Path) -> None:
    """Import a CSV export: all of FILE, or nothing of it if any row is wrong."""
    try:
        result = asyncio.run(_run(settings, kind, file, file.stat().st_size >= PROGRESS_FROM_BYTES))
    except (CsvImportError, PartialImportError, DatabaseNotMigrated) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{kind}: {result.inserted} new, {result.updated} updated")


async def _run(settings: Settings, kind: str, file: Path, show_progress: bool) -> ImportResult:
    database = Database.from_settings(settings)
    try:
        await database.check_migrated()
        if not show_progress:
            return await import_csv(database, kind, file)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
        ) as bar:
            task = bar.add_task(f"{kind} (check, then write)", total=None)

            def show(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return await import_csv(database, kind, file, progress=show)
    finally:
        await database.close()
