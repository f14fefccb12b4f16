"""`ivr demo load`: a working hotline to try, with data that describes today."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import click

from ivr.config import Settings
from ivr.db.migrate import upgrade_database
from ivr.db.session import Database
from ivr.importer import CsvImportError, ImportResult
from ivr.importer.demo import load_demo


@click.group()
def demo() -> None:
    """Demo data."""


@demo.command()
@click.option(
    "--dir",
    "demo_dir",
    default=Path("demo"),
    show_default=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option("--customers", "extra", default=0, show_default=True, type=click.IntRange(0),
              help="Generate this many more customers (with bills), each with their own "
                   "phone and address, for load tests.")
@click.pass_obj
def load(settings: Settings, demo_dir: Path, extra: int) -> None:
    """Migrate the database and load the demo customers, agents, bills and outages.

    Outage times and bill months are moved to the present (see ivr/importer/demo.py), so the
    demo fault outage is in progress and the planned one is a few days away whenever you load.
    """
    upgrade_database(settings.sqlalchemy_url)
    try:
        results = asyncio.run(_load(settings, demo_dir, extra))
    except CsvImportError as exc:
        raise click.ClickException(str(exc)) from None
    for kind, result in results.items():
        click.echo(f"{kind}: {result.inserted} new, {result.updated} updated")


async def _load(settings: Settings, demo_dir: Path, extra: int) -> dict[str, ImportResult]:
    database = Database.from_settings(settings)
    try:
        return await load_demo(database, demo_dir, datetime.now(UTC), extra)
    finally:
        await database.close()
