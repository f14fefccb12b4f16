"""What the AMI event stream leaves behind: per-call records, and service-level figures over them.

Plain dataclasses in the services layer: the AMI adapter builds them from events, `queue_stats`
stores and reloads them, and both count them with the one `service_level()` here. The database
layer stores them column for column and the web layer returns them as they are. Times are Unix
epoch seconds (Asterisk's `Timestamp`).

The three-ring rule is measured twice, both against `threshold` = 3 x ring length (15 s default):
- the IVR's pickup: an inbound channel's `Newchannel` to its `Newstate` Up;
- the queue: a caller's wait from `QueueCallerJoin` to `AgentConnect`, the same measure Asterisk's
  own `servicelevel` (set to the threshold in queues.conf) uses, so our figures and
  `QueueSummary`/`QueueStatus` agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class LegOutcome(StrEnum):
    WAITING = "waiting"  # still in the queue (live state only)
    ANSWERED = "answered"  # an agent connected
    ABANDONED = "abandoned"  # the caller hung up while waiting
    EXITED = "exited"  # the queue gave up (timeout, leavewhenempty) or the dialplan moved on


@dataclass
class RingAttempt:
    """One agent phone rung for one caller (`AgentCalled` to `AgentConnect`/`AgentRingNoAnswer`)."""

    interface: str
    member: str
    started_at: float
    ended_at: float | None = None
    answered: bool = False

    @property
    def ring_seconds(self) -> float | None:
        return None if self.ended_at is None else _seconds(self.ended_at - self.started_at)


@dataclass
class QueueLeg:
    """One stay of a caller in one queue."""

    queue: str
    joined_at: float
    position: int  # position when joining (1 = next)
    left_at: float | None = None
    connected_at: float | None = None
    completed_at: float | None = None
    agent: str | None = None  # member name of the agent who answered (the agents table's code)
    agent_interface: str | None = None
    abandoned: bool = False
    attempts: list[RingAttempt] = field(default_factory=list)

    @property
    def outcome(self) -> LegOutcome:
        if self.connected_at is not None:
            return LegOutcome.ANSWERED
        if self.abandoned:
            return LegOutcome.ABANDONED
        if self.left_at is None:
            return LegOutcome.WAITING
        return LegOutcome.EXITED

    @property
    def wait_seconds(self) -> float | None:
        """Join to answer, or join to leaving unanswered; None while still waiting."""
        end = self.connected_at if self.connected_at is not None else self.left_at
        return None if end is None else _seconds(end - self.joined_at)

    def within(self, threshold: float) -> bool:
        """Answered by an agent within `threshold` seconds of joining."""
        wait = self.wait_seconds
        return self.connected_at is not None and wait is not None and wait <= threshold


@dataclass
class CallRecord:
    """One inbound call, keyed by its Asterisk unique id (the IVR's `agi_uniqueid`)."""

    uniqueid: str
    channel: str
    caller: str
    started_at: float  # Newchannel (or the first event seen for the call)
    answered_at: float | None = None  # Newstate Up: the IVR picked up
    ended_at: float | None = None
    hangup_cause: str = ""
    legs: list[QueueLeg] = field(default_factory=list)

    @property
    def pickup_seconds(self) -> float | None:
        return None if self.answered_at is None else _seconds(self.answered_at - self.started_at)

    def picked_up_within(self, threshold: float) -> bool:
        pickup = self.pickup_seconds
        return pickup is not None and pickup <= threshold


@dataclass(frozen=True)
class ServiceLevel:
    """Figures for one queue (or all queues) over a time range.

    `within_three_rings_pct` is the share of calls *offered* answered within the threshold, so an
    abandoned call counts against the hotline. Waits cover every finished leg: answered legs
    until the answer, abandoned or exited legs until the caller left. p90 is nearest-rank.
    """

    queue: str  # "" for all queues together
    offered: int
    answered: int
    answered_within_three_rings: int
    within_three_rings_pct: float | None
    abandoned: int
    average_wait: float | None
    p90_wait: float | None


@dataclass(frozen=True)
class ServiceLevelReport:
    threshold: float
    since: float | None
    until: float | None
    queues: dict[str, ServiceLevel]
    overall: ServiceLevel
    inbound_calls: int  # calls whose IVR pickup was seen
    picked_up_within_three_rings: int


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `pct`% of values at or below."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def _level(queue: str, legs: list[QueueLeg], threshold: float) -> ServiceLevel:
    offered = len(legs)
    answered = sum(1 for leg in legs if leg.outcome is LegOutcome.ANSWERED)
    within = sum(1 for leg in legs if leg.within(threshold))
    waits = [w for leg in legs if (w := leg.wait_seconds) is not None]
    return ServiceLevel(
        queue=queue,
        offered=offered,
        answered=answered,
        answered_within_three_rings=within,
        within_three_rings_pct=round(100 * within / offered, 2) if offered else None,
        abandoned=sum(1 for leg in legs if leg.outcome is LegOutcome.ABANDONED),
        average_wait=round(sum(waits) / len(waits), 3) if waits else None,
        p90_wait=percentile(waits, 90),
    )


def service_level(
    records: Iterable[CallRecord],
    *,
    threshold: float,
    since: float | None = None,
    until: float | None = None,
    queues: Iterable[str] = (),
) -> ServiceLevelReport:
    """Service level of finished legs that joined in `[since, until)`, per queue and overall.

    Every queue named in `queues` appears even with no calls, so a wallboard's rows do not jump.
    """
    per_queue: dict[str, list[QueueLeg]] = {name: [] for name in queues}
    everything: list[QueueLeg] = []
    inbound = picked_up = 0
    for record in records:
        if record.answered_at is not None and _in_range(record.started_at, since, until):
            inbound += 1
            picked_up += record.picked_up_within(threshold)
        for leg in record.legs:
            if leg.outcome is LegOutcome.WAITING or not _in_range(leg.joined_at, since, until):
                continue
            per_queue.setdefault(leg.queue, []).append(leg)
            everything.append(leg)
    return ServiceLevelReport(
        threshold=threshold,
        since=since,
        until=until,
        queues={name: _level(name, legs, threshold) for name, legs in per_queue.items()},
        overall=_level("", everything, threshold),
        inbound_calls=inbound,
        picked_up_within_three_rings=picked_up,
    )


def _seconds(delta: float) -> float:
    """A difference of epoch timestamps, to the microsecond Asterisk stamps events with."""
    return round(delta, 6)


def _in_range(moment: float, since: float | None, until: float | None) -> bool:
    return (since is None or moment >= since) and (until is None or moment < until)
