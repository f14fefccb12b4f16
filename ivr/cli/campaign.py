"""`ivr campaign ...` for the survey team, and `ivr dialer` to run the dialer on its own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ivr.ami.client import AmiUrlError
from ivr.config import Settings
from ivr.db.session import Database, DatabaseNotMigrated
from ivr.dialer_app import rules_check, run_dialer
from ivr.services.campaigns import CampaignInfo, Campaigns
from ivr.services.errors import Conflict, NotFound, ValidationError

T = TypeVar("T")


def _run(settings: Settings, work: Callable[[Campaigns], Awaitable[T]]) -> T:
    async def go() -> T:
        database = Database.from_settings(settings)
        try:
            await database.check_migrated()
            return await work(Campaigns(database, rules_check(settings)))
        finally:
            await database.close()

    try:
        return asyncio.run(go())
    except (DatabaseNotMigrated, ValidationError, Conflict, NotFound) as exc:
        raise click.ClickException(str(exc)) from None


def _show(info: CampaignInfo) -> None:
    counts = " ".join(f"{k}={v}" for k, v in sorted(info.targets.items())) or "no targets"
    click.echo(f"{info.id:>4} {info.name:<24} {info.kind:<14} {info.status:<8} "
               f"flow {info.flow:<12} {counts}")


@click.group()
def campaign() -> None:
    """Outbound campaigns."""


@campaign.command("list")
@click.pass_obj
def list_(settings: Settings) -> None:
    """Every campaign with its targets per state."""
    for info in _run(settings, lambda c: c.list()):
        _show(info)


@campaign.command()
@click.argument("name")
@click.option("--kind", default="list", show_default=True,
              type=click.Choice(["follow_up", "outage_notice", "callback", "list"]))
@click.option("--flow", required=True, help="The flow an answered call runs (flows/NAME.yaml).")
@click.option("--caller-id", default="", help="The number the customer sees.")
@click.option("--rules", "rules_file", type=click.Path(exists=True, path_type=Path),
              help="JSON: window, pacing, retries.")
@click.pass_obj
def create(settings: Settings, name: str, kind: str, flow: str, caller_id: str,
           rules_file: Path | None) -> None:
    """Create a campaign (as a draft: `ivr campaign start NAME` dials it)."""
    rules: dict[str, Any] = json.loads(rules_file.read_text("utf-8")) if rules_file else {}
    _show(_run(settings, lambda c: c.create(name=name, kind=kind, flow=flow,
                                            caller_id=caller_id, rules=rules, by="cli")))


def _mover(action: str) -> None:
    @campaign.command(action, help=f"{action.capitalize()} the campaign NAME (or id).")
    @click.argument("name")
    @click.pass_obj
    def move(settings: Settings, name: str) -> None:
        _show(_run(settings, lambda c: c.move(name, action)))


for _action in ("start", "pause", "resume", "stop"):
    _mover(_action)


@campaign.command("import")
@click.argument("name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_(settings: Settings, name: str, file: Path) -> None:
    """Add the numbers in FILE (CSV: number[,language,account,priority]); all rows or none."""
    added = _run(settings, lambda c: c.import_csv(name, str(file), file.read_text("utf-8")))
    click.echo(f"{added} numbers added")


@campaign.command("do-not-call")
@click.argument("numbers", nargs=-1, required=True)
@click.option("--reason", default="asked not to be called")
@click.pass_obj
def do_not_call(settings: Settings, numbers: tuple[str, ...], reason: str) -> None:
    """Put NUMBERS on the do-not-call list every campaign honours."""

    async def add(c: Campaigns) -> int:
        return sum([await c.do_not_call(n, reason, "cli") for n in numbers])

    click.echo(f"{_run(settings, add)} numbers added to the do-not-call list")


@click.command()
@click.pass_obj
def dialer(settings: Settings) -> None:
    """Run the dialer alone (IVR_AMI_URL required); `ivr serve` runs one too."""
    try:
        asyncio.run(run_dialer(settings))
    except (DatabaseNotMigrated, AmiUrlError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
