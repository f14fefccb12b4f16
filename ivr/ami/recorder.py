"""Finished call records from the AMI event stream, written to the database off the event path.

`HotlineState` calls `submit()` from inside event handling, which must never wait on a database;
`submit` only queues the record. One task writes the queue in order. A failed write (database
restarting, a lock timeout) is logged and retried with backoff, the record staying at the head
of the queue, so a hiccup delays records and never drops them. At shutdown `close()` keeps trying
for `flush_timeout` seconds and then names, in the log, every call it could not store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Protocol

from sqlalchemy.exc import DataError, IntegrityError

from ivr.services.queue_records import CallRecord

log = logging.getLogger(__name__)

BACKLOG_WARNING = 1000  # queued records worth a warning: the database is far behind


class RecordStore(Protocol):
    async def store(self, record: CallRecord) -> None: ...


class RecordWriter:
    def __init__(
        self,
        store: RecordStore,
        *,
        retry_initial: float = 0.5,
        retry_max: float = 30.0,
        flush_timeout: float = 10.0,
    ) -> None:
        self.store = store
        self.retry_initial, self.retry_max = retry_initial, retry_max
        self.flush_timeout = flush_timeout
        self.written = 0
        self.failures = 0  # failed attempts, for health pages and tests
        self._pending: deque[CallRecord] = deque()
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._task: asyncio.Task[None] | None = None

    @property
    def backlog(self) -> int:
        return len(self._pending)

    def submit(self, record: CallRecord) -> None:
        """Queue one finished call for writing. Never blocks, never raises."""
        self._pending.append(record)
        self._drained.clear()
        self._wake.set()
        if len(self._pending) == BACKLOG_WARNING:
            log.warning("%d call records waiting for the database", BACKLOG_WARNING)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ami-record-writer")

    async def idle(self) -> None:
        """Wait until every record submitted so far is stored (for tests and shutdown)."""
        await self._drained.wait()

    async def close(self) -> None:
        """Stop, after giving queued records `flush_timeout` seconds to reach the database."""
        try:
            async with asyncio.timeout(self.flush_timeout):
                await self.idle()
        except TimeoutError:
            pass
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._pending:
            log.error(
                "%d call records could not be stored before shutdown: %s",
                len(self._pending),
                ", ".join(r.uniqueid for r in self._pending),
            )

    async def _run(self) -> None:
        delay = self.retry_initial
        while True:
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            record = self._pending[0]
            try:
                await self.store.store(record)
            except (DataError, IntegrityError, ValueError) as exc:
                # The record itself cannot be stored, now or later: retrying it would hold up
                # every record behind it.
                log.error("call record %s dropped: it cannot be stored (%s: %s)",
                          record.uniqueid, type(exc).__name__, _reason(exc))
                self.failures += 1
                self._pending.popleft()
                if not self._pending:
                    self._drained.set()
                continue
            except Exception as exc:  # the database is down or busy: keep the record, retry
                self.failures += 1
                log.warning(
                    "storing call record %s failed (%s: %s); retrying in %.1f s",
                    record.uniqueid,
                    type(exc).__name__,
                    _reason(exc),
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max)
                continue
            self._pending.popleft()
            if not self._pending:
                self._drained.set()
            self.written += 1
            delay = self.retry_initial


def _reason(exc: Exception) -> str:
    """The driver's message without SQLAlchemy's bound parameters, which carry caller numbers."""
    return str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
