"""`ivr user add`: staff who sign in to the web pages."""

from __future__ import annotations

import asyncio
import sys

import click

from ivr.config import Settings
from ivr.db.enums import Language, Role
from ivr.db.session import Database, DatabaseNotMigrated
from ivr.services.errors import ValidationError
from ivr.services.users import Users


@click.group()
def user() -> None:
    """Staff who sign in to the web pages."""


@user.command()
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option(
    "--language", default=Language.ZH_CN.value, type=click.Choice([x.value for x in Language])
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def add(settings: Settings, name: str, role: str, language: str, password_stdin: bool) -> None:
    """Add a user NAME with ROLE; the password is asked for (never an argument: shell history)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)

    async def go() -> None:
        database = Database.from_settings(settings)
        try:
            await database.check_migrated()
            await Users(database).add(name, role, password, language)
        finally:
            await database.close()

    try:
        asyncio.run(go())
    except (DatabaseNotMigrated, ValidationError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"user {name!r} added ({role})")
