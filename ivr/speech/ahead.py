"""Free text (customers' addresses) rendered ahead of the calls that read it back: by the
server's background job while the lines are quiet, and by `ivr prompts addresses` at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from ivr.speech.tts import CachingSynthesizer


@dataclass
class AheadResult:
    rendered: int = 0
    cached: int = 0
    failed: int = 0


async def render_ahead(
    texts: Iterable[tuple[str, str]],
    synth: CachingSynthesizer,
    *,
    workers: int = 1,
    before_render: Callable[[], Awaitable[None]] | None = None,
    on_done: Callable[[], None] | None = None,
) -> AheadResult:
    """Render each (text, language) not cached yet, `workers` at a time; `before_render` is
    awaited before each rendering (the server waits for quiet lines), `on_done` called after
    each text (a progress bar). Failures are counted, never logged: the text may be an address."""
    result = AheadResult()
    pending = iter(texts)  # shared by the workers: each text is taken once

    async def worker() -> None:
        for text, language in pending:
            try:
                if await synth.is_cached(text, language):
                    result.cached += 1
                else:
                    if before_render is not None:
                        await before_render()
                    await synth.render(text, language)
                    result.rendered += 1
            except Exception:
                result.failed += 1
            if on_done is not None:
                on_done()

    await asyncio.gather(*(worker() for _ in range(workers)))
    return result
