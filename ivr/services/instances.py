"""Which IVR processes are alive, so the calls a dead one left open are closed, and only those.

Each process has a name (its host and FastAGI address, the same after a restart) and, on
PostgreSQL, holds a session advisory lock under that name for as long as it runs. The lock makes
two things safe:
- a second live process under the same name is refused at start-up (it would close the first
  one's live calls as interrupted);
- any process can tell a dead one from a live one: a name with open calls whose lock is free
  died (kill -9, a lost host); the survivor takes that lock, closes those calls as interrupted,
  and lets it go. A restart of the dead process waits for the lock meanwhile.
On SQLite (one process) a restart closes its own calls, as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from ivr.db.cluster import SessionLock, held_locks, lock_key
from ivr.db.session import Database
from ivr.services.calls import CallLog

log = logging.getLogger(__name__)

CLAIM_WAIT_SECONDS = 10.0  # a survivor may hold our lock briefly while it closes our old calls
SWEEP_SECONDS = 10.0  # how often the dead processes' open calls are looked for


class InstanceInUse(RuntimeError):
    """Another live IVR process already runs under this name."""


def _lock_name(instance: str) -> str:
    return f"ivr-instance:{instance}"


class Instances:
    def __init__(self, db: Database, calls: CallLog, name: str) -> None:
        self.db, self.calls, self.name = db, calls, name
        self.shared = db.dialect == "postgresql"
        self._lock = SessionLock(db, _lock_name(name))

    async def claim(self, wait: float = CLAIM_WAIT_SECONDS) -> None:
        """Take this process's name; raises `InstanceInUse` if a live process holds it."""
        if not self.shared:
            return
        deadline = time.monotonic() + wait
        while not await self._lock.try_acquire():
            if time.monotonic() > deadline:
                raise InstanceInUse(
                    f"another live IVR process runs as {self.name!r} on this database: give "
                    "each process its own IVR_AGI_BIND (or host)")
            await asyncio.sleep(0.2)

    async def release(self) -> None:
        await self._lock.release()

    async def close_dead(self, now: datetime | None = None) -> dict[str, list[str]]:
        """Close the open calls of every process that is no longer alive; by name."""
        if not self.shared:
            return {}
        closed: dict[str, list[str]] = {}
        others = await self.calls.open_instances() - {self.name}
        held = await held_locks(self.db) if others else set()
        for other in sorted(others):
            if lock_key(_lock_name(other)) in held:
                continue  # alive
            lock = SessionLock(self.db, _lock_name(other))
            if not await lock.try_acquire():
                continue  # alive
            try:
                ids = await self.calls.close_interrupted(
                    other, now or datetime.now(UTC), closed=f"by {self.name}: process gone")
            finally:
                await lock.release()
            if ids:
                closed[other] = ids
                log.warning("IVR process %s is gone: closed its %d open calls as interrupted: %s",
                            other, len(ids), ", ".join(ids[:20]))
        return closed

    async def watch(self, every: float = SWEEP_SECONDS) -> None:
        """Until cancelled: keep our own lock (taken again after a database restart) and close
        what dead processes left open."""
        while True:
            await asyncio.sleep(every)
            try:
                if not await self._lock.alive():
                    await self.claim()
                await self.close_dead()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("checking for dead IVR processes failed; trying again later")
