"""One IVR process writes the AMI call records; the others stand by to take over.

Every IVR process keeps its own manager session, and Asterisk sends each session every event,
so every process builds the same finished-call records. Writing them is one process's job:
whoever holds a lock (on PostgreSQL, a session advisory lock: it goes with its holder's
connection, kill -9 included). The others keep the records of the last `keep_seconds` and try
for the lock every `every` seconds; the one that gets it writes what it kept first, so records
its predecessor had not stored yet are not lost (storing a record again replaces it with the
same rows). Without a lock (SQLite: one process) this process writes, always.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from ivr.ami.recorder import RecordWriter
from ivr.services.queue_records import CallRecord

log = logging.getLogger(__name__)


class Lock(Protocol):
    async def try_acquire(self) -> bool: ...
    async def alive(self) -> bool: ...
    async def release(self) -> None: ...


class RecordLead:
    def __init__(self, writer: RecordWriter, lock: Lock | None, *, every: float = 2.0,
                 keep_seconds: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.writer, self.lock = writer, lock
        self.every, self.keep_seconds, self.clock = every, keep_seconds, clock
        self.leading = lock is None
        self._standby: deque[tuple[float, CallRecord]] = deque()
        self._task: asyncio.Task[None] | None = None

    def submit(self, record: CallRecord) -> None:
        """A finished call, from the AMI state: written if we lead, kept a while if not."""
        if self.leading:
            self.writer.submit(record)
            return
        now = self.clock()
        self._standby.append((now, record))
        while self._standby and self._standby[0][0] < now - self.keep_seconds:
            self._standby.popleft()

    def start(self) -> None:
        if self.lock is not None and self._task is None:
            self._task = asyncio.create_task(self._run(), name="ami-record-lead")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.lock is not None:
            await self.lock.release()

    async def _run(self) -> None:
        assert self.lock is not None
        while True:
            try:
                if not self.leading and await self.lock.try_acquire():
                    self.leading = True
                    kept = [record for _, record in self._standby]
                    self._standby.clear()
                    for record in kept:
                        self.writer.submit(record)
                    log.info("this process now writes the AMI call records (%d kept ones first)",
                             len(kept))
                elif self.leading and not await self.lock.alive():
                    self.leading = False
                    log.warning("the AMI call-record lock was lost: standing by")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is down: try again later
                log.warning("AMI call-record lock: %s", exc)
            await asyncio.sleep(self.every)
