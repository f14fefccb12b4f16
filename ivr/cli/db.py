"""`ivr db upgrade` and `ivr db current`: the database schema."""

from __future__ import annotations

import asyncio

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from ivr.config import Settings
from ivr.db.migrate import head_revision, upgrade_database
from ivr.db.session import Database


@click.group()
def db() -> None:
    """The database schema (migrations)."""


@db.command()
@click.pass_obj
def upgrade(settings: Settings) -> None:
    """Bring the database to the newest schema (creates an empty SQLite database)."""
    try:
        upgrade_database(settings.sqlalchemy_url)
    except (OSError, DBAPIError) as exc:
        url = make_url(settings.sqlalchemy_url).render_as_string(hide_password=True)
        raise click.ClickException(f"cannot reach the database at {url}: {exc}") from None
    click.echo(f"database at revision {head_revision()}")


@db.command()
@click.pass_obj
def current(settings: Settings) -> None:
    """Show the database's schema revision; exits 1 when it needs `ivr db upgrade`."""
    revision = asyncio.run(_current(settings))
    head = head_revision()
    click.echo(f"database: {revision or 'none (empty)'}, code: {head}")
    if revision != head:
        raise click.ClickException("run `ivr db upgrade`")


async def _current(settings: Settings) -> str | None:
    database = Database.from_settings(settings)
    try:
        return await database.current_revision()
    finally:
        await database.close()
