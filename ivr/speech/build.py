"""Rendering every static prompt ahead of calls: `ivr prompts build`, `ivr serve` start-up."""

from __future__ import annotations

import asyncio
import string
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from ivr.speech.joined import fragment_texts, speakable
from ivr.speech.tts import CachingSynthesizer

_FORMATTER = string.Formatter()


@dataclass
class BuildResult:
    rendered: int = 0
    cached: int = 0
    dynamic: int = 0  # prompts with {values}: joined from fragments during calls
    fragments: int = 0  # the fixed parts of those prompts and the words values are read in
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (language, name, error)
    removed: int = 0  # cached prompts found unfit (silent, clipped, half-written) and removed
    recorded: int = 0  # static prompts played from a studio recording (recordings.py)


def is_dynamic(text: str) -> bool:
    return any(name is not None for _, name, _, _ in _FORMATTER.parse(text))


def is_spoken(text: str) -> bool:
    """A prompt rendered ahead: no {values}, and something to say (not a separator like `、`,
    written into other prompts' values and never played alone: its audio would be silence)."""
    return not is_dynamic(text) and speakable(text)


def load_prompt_texts(prompts_dir: Path) -> dict[str, dict[str, str]]:
    """`prompts/<language>.yaml` as {language: {name: text}}; `ivr flows check` validates them."""
    texts: dict[str, dict[str, str]] = {}
    for path in sorted(prompts_dir.glob("*.yaml")):
        doc: Any = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        if not isinstance(doc, Mapping):
            raise ValueError(f"{path}: expected a mapping of prompt name to text")
        texts[path.stem] = {str(k): str(v).strip() for k, v in doc.items() if isinstance(v, str)}
    return texts


async def build_prompts(
    prompts: Mapping[str, Mapping[str, str]],
    synth: CachingSynthesizer,
    *,
    on_done: Callable[[str, str], None] | None = None,
    concurrency: int = 4,
    recordings: Mapping[tuple[str, str], Path] | None = None,
    fragments: bool = True,
) -> BuildResult:
    """Render every static prompt not yet in the cache (or cached unfit); a failure is counted,
    not fatal: the caller reports `result.failed`.

    The first build of a synthesizer also sweeps its cache for unfit files (an older build's
    silent prompts, a crash mid-write) so that they are rendered again, not played.
    `recordings` ({(language, prompt key): file}, `find_recordings`) replace the synthesized
    voice for those prompts; a recording that cannot be used is reported in `failed` and the
    prompt is synthesized as usual.
    `on_done(language, name)` is called after each static prompt (for a progress bar).
    `fragments`: also the fixed parts of prompts with values and the words values are read in
    (joined.py), so that no caller waits for them.
    """
    result = BuildResult()
    result.removed = await synth.verify_cache()
    gate = asyncio.Semaphore(concurrency)

    async def one(language: str, name: str, text: str) -> None:
        async with gate:
            source = (recordings or {}).get((language, name))
            if source is not None:
                try:
                    await synth.use_recording(language, name, text, source)
                    result.recorded += 1
                    if on_done is not None:
                        on_done(language, name)
                    return
                except Exception as exc:
                    result.failed.append((language, name, f"recording {source}: {exc}"))
            try:
                if await synth.is_cached(text, language):
                    result.cached += 1
                else:
                    await synth.render(text, language)
                    result.rendered += 1
            except Exception as exc:  # one bad prompt must not stop the others
                result.failed.append((language, name, str(exc)))
            if on_done is not None:
                on_done(language, name)

    result.dynamic = sum(is_dynamic(t) for texts in prompts.values() for t in texts.values())
    jobs = [one(language, name, text) for language, texts in prompts.items()
            for name, text in texts.items() if is_spoken(text)]
    if fragments:
        jobs.extend(_fragment_jobs(prompts, synth, gate, result))
    await asyncio.gather(*jobs)
    return result


def _fragment_jobs(prompts: Mapping[str, Mapping[str, str]], synth: CachingSynthesizer,
                   gate: asyncio.Semaphore, result: BuildResult) -> list[Coroutine[Any, Any, None]]:
    """Rendering the fragments prompts with values are joined from (joined.py)."""

    async def fragment(language: str, text: str) -> None:
        async with gate:
            try:
                if not await synth.is_cached(text, language):
                    await synth.render(text, language)
                result.fragments += 1
            except Exception as exc:
                result.failed.append((language, f"fragment ({len(text)} characters)", str(exc)))

    static = {(language, text) for language, texts in prompts.items() for text in texts.values()}
    return [fragment(language, text) for language, fragments in fragment_texts(prompts).items()
            for text in sorted(fragments) if (language, text) not in static]


def static_count(prompts: Mapping[str, Mapping[str, str]]) -> int:
    return sum(is_spoken(t) for texts in prompts.values() for t in texts.values())
