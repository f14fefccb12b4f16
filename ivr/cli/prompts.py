"""`ivr prompts build`: render every static prompt to the audio Asterisk plays."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from rich.progress import Progress

from ivr.config import Settings
from ivr.db.session import Database
from ivr.services.customers import Customers
from ivr.speech.ahead import render_ahead
from ivr.speech.build import BuildResult, build_prompts, load_prompt_texts, static_count
from ivr.speech.pbx_sounds import PbxSoundsResult, write_pbx_sounds
from ivr.speech.recordings import find_recordings
from ivr.speech.tts import EspeakSynthesizer


@click.group()
def prompts() -> None:
    """Prompt audio."""


@prompts.command()
@click.option("--workers", default=2, show_default=True, help="Text-to-speech worker processes.")
@click.pass_obj
def build(settings: Settings, workers: int) -> None:
    """Render every prompt without {values} in prompts/<language>.yaml, and the fragments
    prompts with values are joined from (their fixed parts, the words values are read in);
    unchanged ones are kept."""
    try:
        texts = load_prompt_texts(settings.prompts_dir)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if not texts:
        raise click.ClickException(f"no prompt files in {settings.prompts_dir}")
    result, retries, repeats = asyncio.run(_build(settings, texts, workers))
    click.echo(
        f"prompts: {result.rendered} rendered, {result.cached} cached, "
        f"{result.dynamic} dynamic (joined during calls from {result.fragments} fragments), "
        f"{result.recorded} recorded, "
        f"{len(result.failed)} failed"
        f" -> {settings.prompt_cache_dir}"
    )
    if retries or repeats or result.removed:
        click.echo(f"prompts: {repeats} rendering(s) repeated by the engine (no samples), "
                   f"{retries} measured unfit and done again on a fresh engine; "
                   f"{result.removed} unfit cached file(s) removed")
    for language, name, error in result.failed:
        click.echo(f"{settings.prompts_dir / (language + '.yaml')}: {name}: {error}", err=True)
    if result.failed:
        raise click.ClickException(f"{len(result.failed)} prompt(s) could not be rendered")


async def _build(
    settings: Settings, texts: dict[str, dict[str, str]], workers: int
) -> tuple[BuildResult, int, int]:
    async with EspeakSynthesizer.from_settings(settings, workers=workers) as synth:
        with Progress(transient=True) as progress:
            task = progress.add_task("Rendering prompts", total=static_count(texts))
            result = await build_prompts(
                texts, synth, on_done=lambda _lang, _name: progress.advance(task),
                recordings=find_recordings(settings.prompts_dir),
            )
        return result, synth.retries, synth.engine_retries


@prompts.command()
@click.option("--workers", default=2, show_default=True, help="Text-to-speech worker processes.")
@click.pass_obj
def addresses(settings: Settings, workers: int) -> None:
    """Render every customer's address ahead (what `ivr serve` does in the background while
    the lines are quiet): run after a large import, before a storm, so that no caller's
    read-back waits for speech synthesis."""
    rendered, cached, failed = asyncio.run(_addresses(settings, workers))
    click.echo(f"addresses: {rendered} rendered, {cached} cached, {failed} failed "
               f"-> {settings.prompt_cache_dir}")
    if failed:  # by count only: an address is personal data, not for a terminal's scrollback
        raise click.ClickException(f"{failed} address(es) could not be rendered")


async def _addresses(settings: Settings, workers: int) -> tuple[int, int, int]:
    database = Database.from_settings(settings)
    try:
        wanted = await Customers(database).addresses()
    finally:
        await database.close()
    async with EspeakSynthesizer.from_settings(settings, workers=workers) as synth:
        with Progress(transient=True) as progress:
            task = progress.add_task("Rendering addresses", total=len(wanted))
            done = await render_ahead(
                ((address, language.value) for address, language in wanted), synth,
                workers=workers, on_done=lambda: progress.advance(task))
    return done.rendered, done.cached, done.failed


@prompts.command("pbx-sounds")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the sounds tree (default: <IVR_DATA_DIR>/pbx-sounds).",
)
@click.pass_obj
def pbx_sounds_command(settings: Settings, out: Path | None) -> None:
    """Write the sounds Asterisk plays itself (queue announcements, the fallback apology,
    Mandarin digits and letters) in both languages, as <out>/<zh|en>/... .wav and .sln16."""
    target = out or settings.data_dir / "pbx-sounds"
    result = asyncio.run(_pbx_sounds(settings, target))
    click.echo(f"pbx sounds: {len(result.written)} written, {len(result.failed)} failed "
               f"-> {target}")
    for sound, error in result.failed:
        click.echo(f"{sound.language}/{sound.path}: {error}", err=True)
    if result.failed:
        raise click.ClickException(f"{len(result.failed)} sound(s) could not be rendered")


async def _pbx_sounds(settings: Settings, target: Path) -> PbxSoundsResult:
    async with EspeakSynthesizer.from_settings(settings, workers=2) as synth:
        return await write_pbx_sounds(target, synth)
