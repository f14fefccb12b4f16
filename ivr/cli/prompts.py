"""`ivr prompts build`: render every static prompt to the audio Asterisk plays."""

from __future__ import annotations

import asyncio

import click
from rich.progress import Progress

from ivr.config import Settings
from ivr.speech.build import BuildResult, build_prompts, load_prompt_texts, static_count
from ivr.speech.recordings import find_recordings
from ivr.speech.tts import EspeakSynthesizer


@click.group()
def prompts() -> None:
    """Prompt audio."""


@prompts.command()
@click.option("--workers", default=2, show_default=True, help="Text-to-speech worker processes.")
@click.pass_obj
def build(settings: Settings, workers: int) -> None:
    """Render every prompt without {values} in prompts/<language>.yaml; unchanged ones are kept."""
    try:
        texts = load_prompt_texts(settings.prompts_dir)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if not texts:
        raise click.ClickException(f"no prompt files in {settings.prompts_dir}")
    result, retries, repeats = asyncio.run(_build(settings, texts, workers))
    click.echo(
        f"prompts: {result.rendered} rendered, {result.cached} cached, "
        f"{result.dynamic} dynamic (rendered during calls), {result.recorded} recorded, "
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
