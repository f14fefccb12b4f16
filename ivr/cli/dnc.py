"""`ivr dnc ...`: the do-not-call list every campaign honours (import, list, remove)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from ivr.config import Settings
from ivr.db.session import Database, DatabaseNotMigrated
from ivr.services.do_not_call import DoNotCallFileError, DoNotCallList
from ivr.services.errors import ValidationError

T = TypeVar("T")


def _run(settings: Settings, work: Callable[[DoNotCallList], Awaitable[T]]) -> T:
    async def go() -> T:
        database = Database.from_settings(settings)
        try:
            await database.check_migrated()
            return await work(DoNotCallList(database))
        finally:
            await database.close()

    try:
        return asyncio.run(go())
    except DoNotCallFileError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.ClickException(exc.message) from None
    except (DatabaseNotMigrated, ValidationError) as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def dnc() -> None:
    """The do-not-call list."""


@dnc.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_(settings: Settings, file: Path) -> None:
    """Add the numbers in FILE (CSV: number[,reason]). The file is checked whole first: every
    bad row is reported as FILE:LINE: column: problem, and then nothing is written."""
    try:
        text = file.read_text("utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}:1: file: not UTF-8 text") from None
    done = _run(settings, lambda d: d.import_csv(str(file), text, source=f"import {file.name}"))
    click.echo(f"{done.rows} numbers: {done.added} added, {done.already} already on the list")


@dnc.command("list")
@click.option("--number", default=None, help="Only this number (any written form).")
@click.pass_obj
def list_(settings: Settings, number: str | None) -> None:
    """The list, newest first."""
    for entry in _run(settings, lambda d: d.entries(number, limit=100_000)):
        click.echo(f"{entry.number:<16} {entry.added_at:%Y-%m-%d %H:%M} {entry.source:<24} "
                   f"{entry.reason}")


@dnc.command()
@click.argument("number")
@click.pass_obj
def remove(settings: Settings, number: str) -> None:
    """Take NUMBER off the list (the customer asked to be called again)."""
    if not _run(settings, lambda d: d.remove(number)):
        raise click.ClickException(f"{number} is not on the do-not-call list")
    click.echo(f"{number} removed from the do-not-call list")
