"""Writing a call's journey while the call goes on, so a crash (kill -9, power loss) loses at
most the last few events, never a work order the caller heard or a transfer.

Writes are batched and off the caller's path: the steps that must not be lost (a work order, a
transfer, a dial, an error) start a write at once; lookups are written with whatever follows
within `LOOKUP_DELAY` seconds; prompts and keys ride along with those. A call that ends before
then costs no extra write: the end of the call writes the rest (`CallLog.finish`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Sequence

from ivr.services.calls import CallLog, JourneyEvent

log = logging.getLogger(__name__)

# Events written at once: what the caller was promised or where they were sent.
WRITE_NOW = frozenset({"ticket", "ticket_deferred", "transfer", "dial", "error"})
# Events written soon (coalesced with whatever follows): who the caller is, what they were told.
WRITE_SOON = frozenset({"lookup", "verification", "language", "route"})
LOOKUP_DELAY = 1.0


class Journal:
    """One call's journey on its way to the database; `written` events are stored already."""

    def __init__(self, calls: CallLog, uniqueid: str, journey: Sequence[JourneyEvent],
                 started: Awaitable[bool]) -> None:
        self._calls = calls
        self._uniqueid = uniqueid
        self._journey = journey
        self._started = started  # the call record's start; events need it written first
        self.written = 0
        self.writes = 0
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._delayed: asyncio.TimerHandle | None = None

    def recorded(self, kind: str) -> None:
        """Called for every event the call records."""
        if kind in WRITE_NOW:
            self._write()
        elif kind in WRITE_SOON and self._delayed is None:
            self._delayed = asyncio.get_running_loop().call_later(LOOKUP_DELAY, self._write)

    def _write(self) -> None:
        if self._delayed is not None:
            self._delayed.cancel()
            self._delayed = None
        if self._task is not None and not self._task.done():
            self._again = True  # the running write picks up what came since
            return
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            if not await self._started:
                return  # no call record to hang events on: the end of the call writes them all
            while True:
                self._again = False
                pending = list(self._journey[self.written:])
                if pending:
                    await self._calls.append(self._uniqueid, pending, self.written + 1)
                    self.written += len(pending)
                    self.writes += 1
                if not self._again:
                    return
        except Exception:
            # The call goes on; the end of the call writes what is missing.
            log.exception("call %s: could not write the journey so far", self._uniqueid)

    async def flush(self, within: float) -> None:
        """Wait (at most `within` seconds) until what was recorded so far is written: before a
        queue rings an agent, so their screen shows what the caller did in the IVR."""
        self._write()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._task), within)

    async def close(self) -> None:
        """Stop writing as the call ends; afterwards `written` is final."""
        if self._delayed is not None:
            self._delayed.cancel()
            self._delayed = None
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
