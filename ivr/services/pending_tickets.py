"""Work orders the database could not take at once: kept on disk and written as soon as it can.

A caller's report must never be lost because the database is busy (a long import holding
SQLite's write lock) or down. `PendingTickets.open` waits a bounded time for the write; past
it the request is appended to a spool file (fsync'd) and written in the background, retrying
until the database takes it; the caller is meanwhile told and put through to a person. The
spool survives a restart (`replay`). Nothing is doubled: before each retry, and at replay,
a work order already stored for the same call, type and description counts as written (the
first attempt may still have committed after the caller was told it was late).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ivr.db.enums import TicketType
from ivr.db.models import Ticket
from ivr.db.session import Database
from ivr.services.errors import ValidationError
from ivr.services.tickets import TicketInfo, Tickets

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TicketRequest:
    """Everything `Tickets.open` needs, as the caller gave it (and when)."""

    type: TicketType
    account: str | None
    caller: str | None
    description: str
    call_uniqueid: str
    at: datetime
    outage_id: str | None = None
    priority: int = 0
    dial_back_language: str | None = None  # a callback the dialer makes, in this language

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"type": self.type.value, "at": self.at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TicketRequest:
        return cls(**(data | {"type": TicketType(data["type"]),
                              "at": datetime.fromisoformat(data["at"])}))


class SpoolClaim:
    """One spool file owned by this process: an exclusive `flock` on `<spool>.lock`, held for the
    process's life (the kernel drops it when the process dies, kill -9 included).

    Several IVR processes sharing a data directory each take the first free spool of
    `pending-work-orders.jsonl`, `pending-work-orders-1.jsonl`, ...: none appends to or rewrites
    another's file, and a process that starts after one died takes over its file (and writes
    what it kept). One process alone keeps the plain name."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self._fd = path, fd

    @classmethod
    def take(cls, base: Path, limit: int = 256) -> SpoolClaim:
        base.parent.mkdir(parents=True, exist_ok=True)
        for n in range(limit):
            path = base if n == 0 else base.with_name(f"{base.stem}-{n}{base.suffix}")
            fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return cls(path, fd)
        raise RuntimeError(f"{limit} processes already hold a spool in {base.parent}")

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = -1


class PendingTickets:
    def __init__(self, db: Database, tickets: Tickets, spool: Path, *, wait: float = 3.0,
                 retry_seconds: float = 2.0) -> None:
        self._db = db
        self._tickets = tickets
        self._spool = spool
        self.wait = wait  # seconds a caller waits for the write before being told it is late
        self._retry = retry_seconds
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()  # spool appends, one at a time

    async def open(self, request: TicketRequest) -> TicketInfo | None:
        """The work order, committed; or None when it could not be written within `wait`
        seconds: it is then on disk and written as soon as the database allows."""
        attempt = asyncio.create_task(self._write(request))
        try:
            return await asyncio.wait_for(asyncio.shield(attempt), self.wait)
        except ValidationError:
            raise  # a bad request, not a busy database: retrying would not help
        except Exception as exc:
            log.warning("call %s: work order not written at once (%s: %s); kept to write later",
                        request.call_uniqueid, type(exc).__name__, exc)
        key = uuid.uuid4().hex
        await self._append({"id": key, "request": request.to_json()})
        self._start(key, request, attempt)
        return None

    async def replay(self) -> int:
        """At start: write what the spool still holds (from before a stop or crash)."""
        pending = await asyncio.to_thread(self._read_pending)
        await asyncio.to_thread(self._rewrite, pending)
        for key, request in pending.items():
            self._start(key, request, None)
        if pending:
            log.warning("%d work orders from before the restart still to write", len(pending))
        return len(pending)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait until every pending work order is written (tests, an orderly stop)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def close(self) -> None:
        """Stop retrying; what is not written yet stays in the spool for the next start."""
        for task in self._tasks:
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- writing -------------------------------------------------------------------------------

    def _start(self, key: str, request: TicketRequest,
               attempt: asyncio.Task[TicketInfo] | None) -> None:
        task = asyncio.create_task(self._settle(key, request, attempt))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _settle(self, key: str, request: TicketRequest,
                      attempt: asyncio.Task[TicketInfo] | None) -> None:
        ticket: TicketInfo | None = None
        if attempt is not None:
            with contextlib.suppress(Exception):
                ticket = await attempt
        failures = 0
        while ticket is None:
            try:
                ticket = await self._find(request) or await self._write(request)
            except ValidationError:
                log.exception("call %s: a kept work order was refused; dropped from the spool",
                              request.call_uniqueid)
                break
            except Exception as exc:
                failures += 1
                if failures in (1, 10) or failures % 100 == 0:
                    log.warning("call %s: kept work order still not written (%d tries): %s",
                                request.call_uniqueid, failures, exc)
                await asyncio.sleep(self._retry)
        if ticket is not None:
            log.info("call %s: kept work order written as %s", request.call_uniqueid,
                     ticket.number)
        await self._append({"done": key})

    async def _write(self, request: TicketRequest) -> TicketInfo:
        return await self._tickets.open(
            request.type, account=request.account, caller=request.caller,
            description=request.description, call_uniqueid=request.call_uniqueid,
            outage_id=request.outage_id, priority=request.priority, now=request.at,
            dial_back_language=request.dial_back_language)

    async def _find(self, request: TicketRequest) -> TicketInfo | None:
        async with self._db.sessionmaker() as session:
            ticket_id = await session.scalar(select(Ticket.id).where(
                Ticket.call_uniqueid == request.call_uniqueid, Ticket.type == request.type,
                Ticket.description == request.description).limit(1))
        return await self._tickets.get(ticket_id) if ticket_id is not None else None

    # --- the spool file ------------------------------------------------------------------------

    async def _append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        async with self._lock:
            await asyncio.to_thread(self._append_sync, line)

    def _append_sync(self, line: str) -> None:
        self._spool.parent.mkdir(parents=True, exist_ok=True)
        with self._spool.open("a", encoding="utf-8") as out:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())  # kept means on disk before the caller is told

    def _read_pending(self) -> dict[str, TicketRequest]:
        pending: dict[str, TicketRequest] = {}
        try:
            lines = self._spool.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return pending
        for number, line in enumerate(lines, start=1):
            try:
                entry = json.loads(line)
                if "done" in entry:
                    pending.pop(entry["done"], None)
                else:
                    pending[entry["id"]] = TicketRequest.from_json(entry["request"])
            except (ValueError, KeyError, TypeError) as exc:  # a line cut short by a crash
                log.error("%s:%d: unreadable entry skipped: %s", self._spool, number, exc)
        return pending

    def _rewrite(self, pending: dict[str, TicketRequest]) -> None:
        """Keep only what is still to write (atomically: a crash leaves the old file)."""
        if not self._spool.exists():
            return
        temporary = self._spool.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as out:
            for key, request in pending.items():
                out.write(json.dumps({"id": key, "request": request.to_json()},
                                     ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(self._spool)
