"""One live feed for every open wallboard: a snapshot is built and serialised once per change
(once per language) and the same text is sent to every socket, so 20 screens cost one build.

The first PBX event after a quiet spell is pushed at once; while events keep coming, pushes are
at most PUSH_GAP apart (each carrying everything that changed meanwhile). The database figures
are read on their own timer, never per event: they move slowly and cost queries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Generic, TypeVar

from aiohttp import web

from ivr.services.pbx import LivePbx, PbxEvent

PUSH_GAP = 0.05  # seconds between pushes during a burst of events
FIGURES_SECONDS = 3.0  # the database figures (and the clock on the wall) this often

log = logging.getLogger(__name__)
F = TypeVar("F")  # the database figures


class WallboardHub(Generic[F]):
    def __init__(
        self,
        pbx: LivePbx | None,
        clock: Callable[[], datetime],
        figures: Callable[[datetime], Awaitable[F]],
        build: Callable[[str, F, datetime], dict[str, Any]],
    ) -> None:
        self._pbx, self._clock, self._figures, self._build = pbx, clock, figures, build
        self._sockets: dict[web.WebSocketResponse, str] = {}  # socket -> its language
        self._db: F | None = None
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe: Callable[[], None] | None = None

    def join(self, ws: web.WebSocketResponse, language: str) -> None:
        self._sockets[ws] = language
        self._changed.set()  # the new page gets the wall now, the others nothing new but cheap
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._refresh()), asyncio.create_task(self._push())]
            if self._pbx is not None:
                self._unsubscribe = self._pbx.subscribe(self._on_event)

    def leave(self, ws: web.WebSocketResponse) -> None:
        self._sockets.pop(ws, None)
        if not self._sockets:
            self._halt()

    async def stop(self) -> None:
        tasks = self._tasks
        self._halt()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _halt(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, event: PbxEvent) -> None:
        self._changed.set()

    async def _refresh(self) -> None:
        while True:
            try:
                self._db = await self._figures(self._clock())
            except Exception:  # the live figures go on; the last database figures stay shown
                log.exception("wallboard: reading today's figures failed")
            self._changed.set()
            await asyncio.sleep(FIGURES_SECONDS)

    async def _push(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._changed.wait()
            self._changed.clear()
            if self._db is None:  # not read yet: the refresher sets the event once it is
                continue
            started = loop.time()
            try:
                await self._send(self._db)
            except Exception:  # one bad snapshot must not end the feed of every page
                log.exception("wallboard: building the snapshot failed")
            gap = PUSH_GAP - (loop.time() - started)
            if gap > 0:
                await asyncio.sleep(gap)  # events meanwhile go out together in the next push

    async def _send(self, db: F) -> None:
        now = self._clock()
        texts: dict[str, str] = {}
        sends = []
        for ws, language in list(self._sockets.items()):
            if ws.closed:
                continue
            if language not in texts:
                texts[language] = json.dumps(self._build(language, db, now))
            sends.append(ws.send_str(texts[language]))
        # a page gone meanwhile raises here; its handler's `leave` removes it
        await asyncio.gather(*sends, return_exceptions=True)
