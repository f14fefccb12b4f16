"""`ivr survey coverage`: the 100% follow-up, measured."""

from __future__ import annotations

import asyncio
from datetime import datetime

import click

from ivr.config import Settings
from ivr.db.session import Database, DatabaseNotMigrated
from ivr.services.errors import ValidationError
from ivr.services.surveys import Surveys, TypeCoverage


@click.group()
def survey() -> None:
    """Follow-up surveys."""


@survey.command()
@click.option("--from", "start", required=True,
              help="ISO 8601 with offset: 2026-12-01T00:00+08:00")
@click.option("--to", "end", required=True, help="ISO 8601 with offset (exclusive)")
@click.pass_obj
def coverage(settings: Settings, start: str, end: str) -> None:
    """Per work-order type: closed, followed up, each end state, pending, % and 满意率."""
    try:
        since, until = datetime.fromisoformat(start), datetime.fromisoformat(end)
        rows = asyncio.run(_coverage(settings, since, until))
    except ValueError as exc:  # ValidationError is a ValueError too
        raise click.ClickException(str(exc)) from None
    except DatabaseNotMigrated as exc:
        raise click.ClickException(str(exc)) from None
    for row in rows:
        ends = " ".join(f"{k}={v}" for k, v in row.ends.items() if v)
        rate = f"{row.satisfaction_rate:.1f}%" if row.satisfaction_rate is not None else "-"
        click.echo(
            f"{row.type:<10} closed {row.closed:>5}  followed up {row.followed_up:>5} "
            f"({row.percent:.1f}% of 100%)  pending {row.pending:>4}  missing {row.missing}  "
            f"满意率 {rate}  {ends}".rstrip()
        )


async def _coverage(settings: Settings, since: datetime, until: datetime) -> list[TypeCoverage]:
    if since.tzinfo is None or until.tzinfo is None:
        raise ValidationError("from", "a date and time with a UTC offset is needed")
    database = Database.from_settings(settings)
    try:
        await database.check_migrated()
        return await Surveys(database).coverage(since, until)
    finally:
        await database.close()
