"""`ivr token create|revoke`: bearer tokens for the REST API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from ivr.config import Settings
from ivr.db.enums import Role
from ivr.db.session import Database, DatabaseNotMigrated
from ivr.services.errors import NotFound, ValidationError
from ivr.services.tokens import Tokens

T = TypeVar("T")


@click.group()
def token() -> None:
    """API tokens."""


@token.command()
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", required=True, help="Who or what holds the token.")
@click.pass_obj
def create(settings: Settings, role: str, name: str) -> None:
    """Create a token and print it. It is stored hashed: this is the only time it is shown."""
    value = _run(settings, lambda tokens: tokens.create(role, name))
    click.echo(value)


@token.command()
@click.argument("name")
@click.pass_obj
def revoke(settings: Settings, name: str) -> None:
    """Revoke the token named NAME."""
    _run(settings, lambda tokens: tokens.revoke(name))
    click.echo(f"token {name!r} revoked")


def _run(settings: Settings, action: Callable[[Tokens], Awaitable[T]]) -> T:
    async def go() -> T:
        database = Database.from_settings(settings)
        try:
            await database.check_migrated()
            return await action(Tokens(database))
        finally:
            await database.close()

    try:
        return asyncio.run(go())
    except (DatabaseNotMigrated, ValidationError, NotFound) as exc:
        raise click.ClickException(str(exc)) from None
