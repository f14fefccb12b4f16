"""The `ivr` command: one sub-command per thing a person does with the hotline."""

from __future__ import annotations

import logging
import sys

import click

from ivr.cli.announce import announce
from ivr.cli.asterisk import asterisk
from ivr.cli.calendar import calendar
from ivr.cli.call import call
from ivr.cli.campaign import campaign, dialer
from ivr.cli.db import db
from ivr.cli.demo import demo
from ivr.cli.dnc import dnc
from ivr.cli.flows import flows
from ivr.cli.imports import import_
from ivr.cli.prompts import prompts
from ivr.cli.serve import serve
from ivr.cli.survey import survey
from ivr.cli.tickets import tickets
from ivr.cli.tokens import token
from ivr.cli.users import user
from ivr.config import Settings, SettingsError
from ivr.db.session import DatabaseUnavailable


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """The utility hotline IVR."""
    try:
        settings = Settings.load()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    logging.basicConfig(
        level=logging.DEBUG if verbose else settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = settings


# Sub-commands are registered here, explicitly, one line each.
cli.add_command(flows)
cli.add_command(serve)
cli.add_command(prompts)
cli.add_command(db)
cli.add_command(import_)
cli.add_command(token)
cli.add_command(user)
cli.add_command(demo)
cli.add_command(call)
cli.add_command(dnc)
cli.add_command(asterisk)
cli.add_command(tickets)
cli.add_command(calendar)
cli.add_command(survey)
cli.add_command(campaign)
cli.add_command(dialer)
cli.add_command(announce)


def main() -> None:
    try:
        cli(prog_name="ivr")
    except DatabaseUnavailable as exc:  # any command that opens the database
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
