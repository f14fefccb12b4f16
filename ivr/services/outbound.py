"""The port through which the dialer places calls: the AMI adapter (`ivr.ami.outbound`)
satisfies `Originator`, so the dialer never imports the AMI layer. Results come back through
the sink the dialer registers, keyed by the ActionID the dialer chose (its attempt's)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from ivr.db.enums import AttemptResult

# Channel variables an outbound call carries into the FastAGI session of the answered call.
ATTEMPT_VARIABLE = "IVR_ATTEMPT"
FLOW_VARIABLE = "IVR_OUTBOUND_FLOW"


@dataclass(frozen=True)
class OriginateRequest:
    action_id: str  # the attempt's, unique: the PBX echoes it in OriginateResponse
    number: str
    caller_id: str
    ring_seconds: float
    variables: Mapping[str, str]
    detect_machine: bool = True


@dataclass(frozen=True)
class OriginateOutcome:
    action_id: str
    result: AttemptResult  # answered, no_answer, busy, congestion, failed
    uniqueid: str | None
    cause: str
    hangup: bool = False  # the answered call has ended (AMI Hangup of its channel)


class Originator(Protocol):
    @property
    def is_up(self) -> bool: ...

    @property
    def max_channels(self) -> int:
        """The trunk's simultaneous outbound calls: no campaign's pacing may exceed it."""
        ...

    def on_outcome(self, sink: Callable[[OriginateOutcome], None]) -> None:
        """Where OriginateResponse outcomes go, from now on."""
        ...

    async def originate(self, request: OriginateRequest) -> None:
        """Ask the PBX to place the call (Async). Raises `PbxUnavailable` when the link is down
        or dropped before the PBX acknowledged (the call may or may not have been queued),
        `PbxRefused` when the PBX said no (nothing was queued)."""
        ...
