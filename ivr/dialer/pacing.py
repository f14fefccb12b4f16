"""How fast a dialer may start calls: at most `channels` in flight at once and at most
`per_second` new ones in any one-second span (a sliding window, so a burst at a second's edge
cannot double the rate the trunk sees)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ivr.services.errors import ValidationError


@dataclass(frozen=True)
class Pacing:
    channels: int = 10
    per_second: float = 2.0

    @classmethod
    def parse(cls, raw: dict[str, Any], *, trunk_channels: int) -> Pacing:
        channels = raw.get("channels", 10)
        per_second = raw.get("per_second", 2.0)
        if not isinstance(channels, int) or not 1 <= channels <= trunk_channels:
            raise ValidationError("pacing.channels", f"a whole number from 1 to {trunk_channels}")
        if not isinstance(per_second, int | float) or not 0 < per_second <= 100:
            raise ValidationError("pacing.per_second", "more than 0, at most 100")
        return cls(channels, float(per_second))

    def as_dict(self) -> dict[str, Any]:
        return {"channels": self.channels, "per_second": self.per_second}


class Pacer:
    """Admission for new calls: `try_start()` says whether one may start now (and counts it),
    `finished()` releases its channel; `wait_hint()` is how long until one may."""

    def __init__(self, pacing: Pacing, clock: Callable[[], float] = time.monotonic) -> None:
        self.pacing = pacing
        self._clock = clock
        self._starts: deque[float] = deque()
        self.in_flight = 0

    @property
    def _span(self) -> float:
        return 1.0 if self.pacing.per_second >= 1 else 1.0 / self.pacing.per_second

    @property
    def _limit(self) -> int:
        return int(self.pacing.per_second) if self.pacing.per_second >= 1 else 1

    def _prune(self, now: float) -> None:
        while self._starts and now - self._starts[0] >= self._span:
            self._starts.popleft()

    def try_start(self) -> bool:
        now = self._clock()
        self._prune(now)
        if self.in_flight >= self.pacing.channels:
            return False
        if len(self._starts) >= self._limit:
            return False
        self._starts.append(now)
        self.in_flight += 1
        return True

    def room(self) -> int:
        """How many calls may start right now."""
        self._prune(self._clock())
        return max(0, min(self.pacing.channels - self.in_flight,
                          self._limit - len(self._starts)))

    def rate(self) -> float:
        return self.pacing.per_second

    def finished(self) -> None:
        self.in_flight = max(0, self.in_flight - 1)

    def wait_hint(self, need: int = 1) -> float:
        """How long until `need` calls may start (by the rate; a full set of channels frees
        on a result, so that is polled briefly)."""
        now = self._clock()
        self._prune(now)
        if self.in_flight >= self.pacing.channels:
            return 0.05  # a channel frees on a result; poll briefly
        over = len(self._starts) - (self._limit - need)  # starts that must leave the span
        if over <= 0:
            return 0.0
        return max(0.0, self._starts[min(over, len(self._starts)) - 1] + self._span - now)


class SendGate:
    """The rate as the trunk sees it: at most `per_second` Originates *written* in any span,
    however late the event loop gets to a claimed call. `Pacer` admits claims; this spaces
    the writes, so a batch claimed together, or calls held up behind a busy moment, cannot
    reach the PBX closer together than the rate allows."""

    def __init__(self, per_second: Callable[[], float],
                 clock: Callable[[], float] = time.monotonic, guard: float = 0.1) -> None:
        self._rate = per_second
        # Spans are counted this much longer than a second: what is written evenly can reach
        # the PBX unevenly (its own scheduling, the link), and a write 0.1 s late must still
        # not make one second carry one call too many.
        self._guard = guard
        self._clock = clock
        self._sent: deque[float] = deque()
        # Writers waiting here take turns: only the first sleeps until the next slot, rather
        # than every claimed call waking at each slot to find it taken (a herd of wake-ups).
        self._turn = asyncio.Lock()

    def delay(self, now: float) -> float:
        """How long until one more write fits (0 when it fits now)."""
        rate = self._rate()
        span = (1.0 if rate >= 1 else 1.0 / rate) + self._guard
        limit = int(rate) if rate >= 1 else 1
        while self._sent and now - self._sent[0] >= span:
            self._sent.popleft()
        if len(self._sent) < limit:
            return 0.0
        return max(self._sent[0] + span - now, 0.001)

    def record(self, now: float) -> None:
        self._sent.append(now)

    async def wait(self, *others: SendGate) -> None:
        """Wait until a write fits this gate and every one of `others`, and count it in all of
        them at the same instant: a write held by one limit (the trunk) must not have been
        counted earlier by another (its campaign), or the two spans would disagree."""
        gates = (self, *others)
        async with self._turn:
            while True:
                now = self._clock()
                wait = max(gate.delay(now) for gate in gates)
                if wait == 0.0:
                    for gate in gates:
                        gate.record(now)
                    return
                await asyncio.sleep(wait)
