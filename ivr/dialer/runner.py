"""The dialer loop: for each running campaign whose calling window is open, claim due targets
(their attempts written first), originate them within the campaign's pacing and the trunk's
limit, and reconcile each attempt from the PBX's OriginateResponse.

A campaign's pacing is its own; the trunk limit (`Originator.max_channels`) caps all of them
together, so the sum of calls in flight never exceeds what the trunk carries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from ivr.db.enums import AttemptResult
from ivr.dialer.campaign_rules import Rules
from ivr.dialer.pacing import Pacer, Pacing, SendGate
from ivr.services.campaigns import Campaigns
from ivr.services.dial_attempts import AttemptStore, Claim, Result, ring_grace
from ivr.services.errors import ValidationError
from ivr.services.outbound import (
    ATTEMPT_VARIABLE,
    FLOW_VARIABLE,
    OriginateOutcome,
    OriginateRequest,
    Originator,
)
from ivr.services.pbx import PbxRefused, PbxUnavailable
from ivr.services.workdays import NO_SCHEDULE, Schedule

log = logging.getLogger(__name__)


@dataclass
class _Running:
    campaign_id: int
    rules: Rules
    pacer: Pacer
    gate: SendGate
    in_flight: set[str] = field(default_factory=set)

    @property
    def batch(self) -> int:
        """How many targets to claim together: a tenth of a second's calls (one transaction
        for several attempts, not one each); the send gate still spaces their Originates."""
        return max(1, int(self.rules.pacing.per_second // 10))


class Dialer:
    def __init__(
        self,
        campaigns: Campaigns,
        store: AttemptStore,
        originator: Originator,
        *,
        tz: tzinfo,
        ring_seconds: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        schedule: Callable[[], Schedule] = lambda: NO_SCHEDULE,
        poll_seconds: float = 0.2,
        action_timeout: float = 10.0,
        max_call_seconds: float = 1800.0,
        result_linger: float = 0.05,
    ) -> None:
        self._linger = result_linger
        self._max_call = max_call_seconds
        self.store = store
        self._campaigns_service = campaigns
        self._pbx = originator
        self._tz = tz
        self._ring = 3 * ring_seconds  # "three rings" for the customer's phone too
        self._grace = ring_grace(ring_seconds, action_timeout)
        self._clock = clock
        self._schedule = schedule
        self._poll = poll_seconds
        self._campaigns: dict[int, _Running] = {}
        self._loaded_at = -1e9
        self._owner: dict[str, _Running] = {}  # action id -> its campaign's pacing
        self._trunk = Pacer(Pacing(originator.max_channels, 100.0))
        self._trunk_gate = SendGate(self._trunk.rate)
        self._wake = asyncio.Event()
        self._answered = asyncio.Event()  # an answered result is waiting to be written
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending: list[Result] = []  # results waiting to be written
        self._writer: asyncio.Task[None] | None = None
        self.originated = 0
        originator.on_outcome(self._on_outcome)

    async def run(self) -> None:
        """Until cancelled. Attempts a previous run left dialling are resolved first."""
        now = self._clock()
        lost = await self.store.resolve_stale(now, now, own=True)
        lost += await self.store.resolve_stale(now - self._grace, now)
        if lost:
            log.warning("dialer %s: %d attempts left dialling resolved as lost",
                        self.store.dialer, lost)
        last_sweep = now
        while True:
            try:
                await self.step()
                now = self._clock()
                if (now - last_sweep).total_seconds() > 30:
                    last_sweep = now
                    await self.store.resolve_stale(now - self._grace, now)
                    await self.store.abandon_answered(now - 4 * self._grace, now)
            except Exception:
                # A database blip must not stop the dialer; the next step tries again.
                log.exception("dialer %s: step failed", self.store.dialer)
            self._wake.clear()
            hints = [r.pacer.wait_hint(need) for r in self._campaigns.values()
                     if r.pacer.room() < (need := self._need(r))]
            wait = min([self._poll, *[h for h in hints if h > 0]])
            # asyncio.timeout, not wait_for: on 3.11 wait_for can lose a cancel that meets the
            # wake-up, and the dialer would then never stop. It is also one task fewer a round.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    async def step(self) -> int:
        """One round: claim and originate what pacing allows now; returns calls started."""
        if not self._pbx.is_up:
            return 0
        if time.monotonic() - self._loaded_at > 1.0:  # a paused campaign stops within a second
            await self._load_campaigns()
            self._loaded_at = time.monotonic()
        now = self._clock()
        started = 0
        for running in list(self._campaigns.values()):
            if running.rules.window.next_open(now, self._tz, self._schedule()) > now:
                continue
            # Claim only what may start now: a claimed target is dialled at once.
            room = min(running.pacer.room(), self._trunk.room())
            if room < self._need(running):
                continue
            for claim in await self.store.claim([running.campaign_id], room, now):
                running.pacer.try_start()
                self._trunk.try_start()
                self._owner[claim.action_id] = running
                running.in_flight.add(claim.action_id)
                task = asyncio.create_task(self._originate(claim, running.gate))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                started += 1
        return started

    def _need(self, running: _Running) -> int:
        """The fewest calls worth claiming now: the campaign's batch, or fewer when only fewer
        channels are free (then waiting for more would stall)."""
        free = min(running.pacer.pacing.channels - running.pacer.in_flight,
                   self._trunk.pacing.channels - self._trunk.in_flight)
        return max(1, min(running.batch, free))

    async def _load_campaigns(self) -> None:
        rows = await self._campaigns_service.running()
        seen = set()
        for row in rows:
            seen.add(row.id)
            try:
                rules = Rules.parse(dict(row.rules or {}), trunk_channels=self._pbx.max_channels)
            except ValidationError as exc:
                log.error("campaign %s: %s; not dialled", row.name, exc)
                continue
            current = self._campaigns.get(row.id)
            if current is None:
                pacer = Pacer(rules.pacing)
                self._campaigns[row.id] = _Running(
                    row.id, rules, pacer, SendGate(pacer.rate))
            elif current.rules != rules:
                current.rules, current.pacer.pacing = rules, rules.pacing
        for gone in set(self._campaigns) - seen:  # paused or stopped: in-flight calls finish
            if not self._campaigns[gone].in_flight:
                del self._campaigns[gone]

    async def _originate(self, claim: Claim, gate: SendGate) -> None:
        request = OriginateRequest(
            action_id=claim.action_id, number=claim.number, caller_id=claim.caller_id,
            ring_seconds=self._ring,
            variables={ATTEMPT_VARIABLE: str(claim.attempt_id), FLOW_VARIABLE: claim.flow},
        )
        try:
            await gate.wait(self._trunk_gate)
            # Nothing suspends between the gate and the write: the gate's instant is the send's.
            await self._pbx.originate(request)
            self.originated += 1
        except PbxRefused as exc:
            await self._result(claim.action_id, AttemptResult.FAILED, None, exc.message)
        except (PbxUnavailable, TimeoutError, OSError) as exc:
            # The link dropped with the action in flight: the PBX may or may not have queued
            # the call. The attempt is lost (counted); it is never sent again under this id.
            await self._result(claim.action_id, AttemptResult.LOST, None, f"AMI: {exc}")
        except Exception:
            log.exception("originate %s failed", claim.action_id)
            await self._result(claim.action_id, AttemptResult.LOST, None, "originate error")

    def _on_outcome(self, outcome: OriginateOutcome) -> None:
        if outcome.hangup:  # an answered call ended: its channel is free
            self.release(outcome.action_id)
            return
        # Results that arrive together are written together (one transaction): the writer
        # takes everything gathered while the previous batch was being written.
        self._pending.append(Result(outcome.action_id, outcome.result, outcome.uniqueid,
                                    outcome.cause))
        if outcome.result == AttemptResult.ANSWERED:
            self._answered.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_results())
            self._tasks.add(self._writer)
            self._writer.add_done_callback(self._tasks.discard)

    async def _write_results(self) -> None:
        # A moment's wait gathers the results of several calls into one transaction; an
        # answered call's result goes at once (its flow, soon running, needs it written).
        if all(item.result != AttemptResult.ANSWERED for item in self._pending):
            self._answered.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._linger):
                    await self._answered.wait()
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self.store.record_many(batch, self._clock())
            except Exception:
                # Left `dialling`: the stale sweep resolves them as lost (counted, not re-sent).
                log.exception("dialer %s: %d results not written", self.store.dialer,
                              len(batch))
            finally:
                for item in batch:
                    self._after_result(item.action_id, item.result)

    async def _result(self, action_id: str, result: AttemptResult, uniqueid: str | None,
                      cause: str) -> None:
        try:
            await self.store.record(action_id, result, self._clock(), uniqueid=uniqueid,
                                    cause=cause)
        finally:
            self._after_result(action_id, result)

    def _after_result(self, action_id: str, result: AttemptResult) -> None:
        if result == AttemptResult.ANSWERED:
            # The call holds its channel until its Hangup; should that never arrive (the
            # AMI link dropped), the channel is given back after the longest call.
            asyncio.get_running_loop().call_later(self._max_call, self.release, action_id)
        else:
            self.release(action_id)

    @property
    def in_flight(self) -> int:
        """Attempts claimed whose result (or, answered, whose Hangup) has not come in."""
        return len(self._owner)

    def release(self, action_id: str) -> None:
        """The attempt's channel is free again (its result is in, or the answered call ended)."""
        running = self._owner.pop(action_id, None)
        if running is not None:
            running.in_flight.discard(action_id)
            running.pacer.finished()
            self._trunk.finished()
            self._wake.set()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
