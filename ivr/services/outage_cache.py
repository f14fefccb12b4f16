"""Outage lookups as a storm asks for them: thousands of callers about the same few areas.

Callers on the same area and transformer share one query, and its answer for `ttl` seconds. An
update made through this instance clears the cache at once. On PostgreSQL every change to the
outages, whoever makes it, sends `NOTIFY ivr_outages` at commit (migration 0009) and each IVR
process listening clears its cache then (`ivr.app`); while that listening connection is being
re-made, and on SQLite, an update made elsewhere reaches callers within `ttl` seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime

from ivr.db.session import Database
from ivr.services.customers import CustomerInfo
from ivr.services.outages import OutageInfo, OutageInput, OutageReport, Outages

DEFAULT_TTL = 2.0
OUTAGES_CHANNEL = "ivr_outages"  # NOTIFY channel of migration 0009


class CachedOutages(Outages):
    def __init__(self, db: Database, *, ttl: float = DEFAULT_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(db)
        self._ttl = ttl
        self._clock = clock
        self._answers: dict[tuple[str, str], tuple[float, asyncio.Task[OutageReport]]] = {}

    async def affecting(self, customer: CustomerInfo, now: datetime | None = None) -> OutageReport:
        if now is not None:  # a question about another moment is not the storm's question
            return await super().affecting(customer, now)
        key = (customer.area, customer.transformer)
        cached = self._answers.get(key)
        if cached is None or cached[0] < self._clock():
            task = asyncio.ensure_future(super().affecting(customer))
            # Until the answer arrives it cannot expire: a slow database in a storm must not
            # make every new caller start another query.
            self._answers[key] = cached = (float("inf"), task)
            task.add_done_callback(lambda t: self._answered(key, t))
        # shield: one caller hanging up must not cancel the lookup others are waiting for
        return await asyncio.shield(cached[1])

    def _answered(self, key: tuple[str, str], task: asyncio.Task[OutageReport]) -> None:
        if self._answers.get(key, (0.0, None))[1] is not task:
            return  # cleared meanwhile by an update
        if task.cancelled() or task.exception() is not None:
            del self._answers[key]  # the next caller asks the database again
        else:
            self._answers[key] = (self._clock() + self._ttl, task)

    def clear(self) -> None:
        self._answers.clear()

    async def upsert(self, data: OutageInput, now: datetime | None = None) -> OutageInfo:
        try:
            return await super().upsert(data, now)
        finally:
            self.clear()

    async def create(self, data: OutageInput, now: datetime | None = None) -> OutageInfo:
        try:
            return await super().create(data, now)
        finally:
            self.clear()

    async def restore(self, outage_id: str, at: datetime | None = None) -> OutageInfo:
        try:
            return await super().restore(outage_id, at)
        finally:
            self.clear()
