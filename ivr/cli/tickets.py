"""`ivr tickets handover`: what the next shift must not drop (交接班)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import click

from ivr.config import Settings
from ivr.db.session import Database, DatabaseNotMigrated
from ivr.services.errors import ValidationError
from ivr.services.ticket_info import TicketInfo
from ivr.services.tickets import Tickets


@click.group()
def tickets() -> None:
    """Work orders."""


@tickets.command()
@click.option("--hours", default=12.0, show_default=True, help="Length of the next shift.")
@click.pass_obj
def handover(settings: Settings, hours: float) -> None:
    """Open work orders overdue or due within the next HOURS, soonest first."""
    try:
        orders = asyncio.run(_handover(settings, hours))
    except (DatabaseNotMigrated, ValidationError) as exc:
        raise click.ClickException(str(exc)) from None
    tz = ZoneInfo(settings.timezone)
    if not orders:
        click.echo(f"nothing open is due in the next {hours:g} hours")
    for order in orders:
        click.echo(_line(order, tz))


def _line(order: TicketInfo, tz: ZoneInfo) -> str:
    contact = order.contact_due if order.contacted_at is None else None
    due = min(d for d in (contact, order.resolve_due) if d is not None)
    marks = ("OVERDUE " if order.overdue else "") + (
        "(provisional) " if order.deadline_provisional else ""
    )
    return (
        f"{order.number}  {order.type.value:<15} {order.status.value:<11} "
        f"owner {order.owner or '-':<12} due {_local(due, tz)} {marks}{order.description[:40]}"
    ).rstrip()


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


async def _handover(settings: Settings, hours: float) -> list[TicketInfo]:
    database = Database.from_settings(settings)
    try:
        await database.check_migrated()
        return await Tickets(database, settings.timezone).handover(hours)
    finally:
        await database.close()
