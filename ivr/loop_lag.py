"""Event-loop lag: how late a timer fires. Every call shares the one loop, so lag is what a
caller hears as a pause; /api/health shows the worst of the last window."""

from __future__ import annotations

import asyncio
import contextlib
import time

INTERVAL = 0.1  # seconds between probes
WINDOW = 10.0  # seconds the reported maximum covers


class LoopLag:
    def __init__(self) -> None:
        self._samples: list[tuple[float, float]] = []  # (when, lag in seconds)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._probe())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def max_ms(self) -> float | None:
        """The largest lag over the last WINDOW seconds, in milliseconds (None: no sample yet)."""
        cutoff = time.monotonic() - WINDOW
        recent = [lag for at, lag in self._samples if at >= cutoff]
        return round(max(recent) * 1000, 2) if recent else None

    async def _probe(self) -> None:
        while True:
            expected = time.monotonic() + INTERVAL
            await asyncio.sleep(INTERVAL)
            now = time.monotonic()
            self._samples.append((now, max(0.0, now - expected)))
            if len(self._samples) > WINDOW / INTERVAL * 2:
                del self._samples[: len(self._samples) // 2]
