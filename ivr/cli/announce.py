"""`ivr announce`: emergency announcements from the command line (dispatch's fallback when
the web is not at hand). Switching one on renders and checks its audio in every language here,
so the running hotline finds it ready (it offers it from its next calls)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import click

from ivr.config import Settings
from ivr.db.session import Database, DatabaseNotMigrated
from ivr.flow.announcements import AnnouncementBoard
from ivr.flow.flowset import load_flow_set
from ivr.flow.problems import FlowConfigError
from ivr.services.announcements import (
    AnnouncementInfo,
    AnnouncementInput,
    Announcements,
    draft_from_outage,
)
from ivr.services.errors import Conflict, NotFound, ValidationError
from ivr.services.outages import Outages
from ivr.speech.tts import EspeakSynthesizer


@click.group()
def announce() -> None:
    """Emergency announcements callers hear right after the greeting."""


def _moment(raw: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(name, "ISO 8601 with an offset: 2026-12-02T18:00+08:00") from None
    if moment.tzinfo is None:
        raise ValidationError(name, "a date and time with a UTC offset is needed")
    return moment


@announce.command("on")
@click.option("--area", "areas", multiple=True, help="an area it is for (repeat for several)")
@click.option("--everyone", is_flag=True, help="for every caller, identified or not")
@click.option("--what-zh", required=True, help="what happened (Mandarin)")
@click.option("--doing-zh", required=True, help="what is being done (Mandarin)")
@click.option("--what-en", required=True, help="what happened (English)")
@click.option("--doing-en", required=True, help="what is being done (English)")
@click.option("--expires", required=True, help="ISO 8601 with offset: when it ends by itself")
@click.option("--next-update", default=None, help="ISO 8601 with offset: the next update")
@click.option("--by", default="ivr announce", help="who switches it on (kept with it)")
@click.pass_obj
def switch_on(settings: Settings, areas: tuple[str, ...], everyone: bool, what_zh: str,
              doing_zh: str, what_en: str, doing_en: str, expires: str,
              next_update: str | None, by: str) -> None:
    """Switch an announcement on; its audio is rendered and checked now (exit 1 if unfit)."""
    try:
        if everyone == bool(areas):
            raise ValidationError("area", "give --area (one or more) or --everyone, not both")
        data = AnnouncementInput(
            texts={"zh-CN": {"what": what_zh, "doing": doing_zh},
                   "en-US": {"what": what_en, "doing": doing_en}},
            expires_at=_moment(expires, "expires"), areas=areas,
            next_update_at=_moment(next_update, "next-update") if next_update else None)
        info, audio = asyncio.run(_switch_on(settings, data, by))
    except (ValidationError, DatabaseNotMigrated, FlowConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(_line(info))
    for language, found in audio.items():
        click.echo(f"  audio {language}: {found}")
    if any(found != "ok" for found in audio.values()):
        raise click.ClickException("audio unfit: callers will not hear it until fixed "
                                   "(end it and switch on new words)")


async def _switch_on(settings: Settings, data: AnnouncementInput,
                     by: str) -> tuple[AnnouncementInfo, dict[str, str]]:
    flows = load_flow_set(settings.flows_dir, settings.prompts_dir)
    database = Database.from_settings(settings)
    try:
        await database.check_migrated()
        announcements = Announcements(database)
        info = await announcements.create(data, by)
        async with EspeakSynthesizer.from_settings(settings, workers=1) as synth:
            board = AnnouncementBoard(announcements, synth, lambda: flows,
                                      ZoneInfo(settings.timezone))
            return info, await board.prepare(info)
    finally:
        await database.close()


@announce.command("list")
@click.pass_obj
def list_announcements(settings: Settings) -> None:
    """On now, and those ended or expired within seven days."""
    try:
        found = asyncio.run(_with(settings, lambda a: a.recent()))
    except DatabaseNotMigrated as exc:
        raise click.ClickException(str(exc)) from None
    for info in found:
        click.echo(_line(info))


@announce.command("end")
@click.argument("announcement_id", type=int)
@click.option("--by", default="ivr announce", help="who ends it")
@click.pass_obj
def end(settings: Settings, announcement_id: int, by: str) -> None:
    """End an announcement now."""
    try:
        info = asyncio.run(_with(settings, lambda a: a.end(announcement_id, by)))
    except (NotFound, Conflict, DatabaseNotMigrated) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(_line(info))


@announce.command("draft")
@click.argument("area")
@click.pass_obj
def draft(settings: Settings, area: str) -> None:
    """Print an announcement drafted from AREA's active outage (JSON for POST
    /api/announcements), for dispatch to correct."""
    try:
        found = asyncio.run(_draft(settings, area))
    except DatabaseNotMigrated as exc:
        raise click.ClickException(str(exc)) from None
    if found is None:
        raise click.ClickException(f"no active outage in area {area!r} to draft from")
    click.echo(json.dumps(found, ensure_ascii=False, indent=2))


async def _draft(settings: Settings, area: str) -> dict[str, object] | None:
    database = Database.from_settings(settings)
    try:
        await database.check_migrated()
        outages = await Outages(database).list(area=area, status="active")
        if not outages:
            return None
        return draft_from_outage(outages[0], area, datetime.now(UTC), ZoneInfo(settings.timezone))
    finally:
        await database.close()


T = TypeVar("T")


async def _with(settings: Settings, use: Callable[[Announcements], Awaitable[T]]) -> T:
    database = Database.from_settings(settings)
    try:
        await database.check_migrated()
        return await use(Announcements(database))
    finally:
        await database.close()


def _line(info: AnnouncementInfo) -> str:
    now = datetime.now(UTC)
    state = "on" if info.active(now) else ("ended" if info.ended_at else "expired")
    where = "everyone" if info.everyone else ",".join(info.areas)
    return (f"#{info.id} {state} [{where}] until {info.expires_at.isoformat()}: "
            f"{info.texts['zh-CN']['what']}")
