"""Live PBX state and agent control, as the staff API needs them: one typed port, the views it
returns and the errors it raises.

The AMI adapter (`ivr.ami.service.AmiService`) satisfies `LivePbx`; `ivr/app.py` hands it to the
web app, which depends on this module only and so never imports the AMI layer. Queue names are
the hotline's (`general`, not Asterisk's `general-enquiry`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from ivr.services.agents import AgentInfo


class AgentStatus(StrEnum):
    LOGGED_OUT = "logged_out"  # in no queue
    AVAILABLE = "available"
    RINGING = "ringing"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"
    UNAVAILABLE = "unavailable"  # logged in, but the phone is not registered


@dataclass(frozen=True)
class WaitingCaller:
    uniqueid: str
    caller: str
    position: int
    wait_seconds: float


@dataclass(frozen=True)
class QueueView:
    name: str
    waiting: list[WaitingCaller]
    members: int
    available: int
    longest_wait: float | None
    # Mean length of the queue's recent answered calls (AgentComplete TalkTime); None: none yet.
    talk_seconds: float | None = None
    paused: int = 0  # members logged in but paused: they answer nobody


@dataclass(frozen=True)
class AgentView:
    interface: str
    name: str
    status: AgentStatus
    paused: bool
    paused_reason: str
    queues: dict[str, int]
    calls_taken: int


@dataclass(frozen=True)
class Membership:
    queue: str
    penalty: int
    added: bool  # False: the agent was already a member


@dataclass(frozen=True)
class PbxEvent:
    """Something that changed the live picture, for pages that follow it as it happens.

    `kind` is the AMI event in lower case (`agentcalled`, `agentconnect`, `agentcomplete`,
    `queuecallerjoin`, ...); `uniqueid` is the caller's channel, the same id as the IVR's
    journey of that call; `agent` the member name (the agent code) when the event has one.
    """

    kind: str
    uniqueid: str = ""
    queue: str = ""
    agent: str = ""
    interface: str = ""
    caller: str = ""


PbxListener = Callable[[PbxEvent], None]


class PbxUnavailable(ConnectionError):
    """No live link to the PBX, or it was lost or went silent while a request was in flight."""


class PbxRefused(Exception):
    """The PBX answered an action with an error."""

    def __init__(self, action: str, message: str) -> None:
        super().__init__(f"AMI {action}: {message}")
        self.action, self.message = action, message


class AgentNotLoggedIn(Exception):
    """Pause or unpause for an agent who is in no queue."""


class AgentDataError(ValueError):
    """An agent's data cannot be used on the PBX (an unknown skill, an unsafe code)."""


class LivePbx(Protocol):
    """What the staff API reads from and asks of the PBX.

    The agent actions raise `PbxUnavailable`, `PbxRefused`, `AgentNotLoggedIn` or
    `AgentDataError`; repeating one is harmless (logging in twice leaves the agent in their
    queues, logging out of a queue already left is not an error).
    """

    @property
    def is_up(self) -> bool:
        """Logged in to the PBX now."""
        ...

    def queue_views(self, names: Sequence[str] = ()) -> list[QueueView]:
        """Every queue in `names` (in that order, even if empty), then any other known queue."""
        ...

    def agent_views(self) -> list[AgentView]: ...

    def subscribe(self, listener: PbxListener) -> Callable[[], None]:
        """Call `listener` after every event that changed the state; returns the unsubscribe.
        A listener must not block: it runs on the event path."""
        ...

    async def log_in(self, agent: AgentInfo) -> list[Membership]:
        """Join the queues of the agent's skills, the primary skill at penalty 0."""
        ...

    async def log_out(self, agent: AgentInfo) -> list[str]:
        """Leave every queue; returns the queues the agent was removed from."""
        ...

    async def set_paused(self, agent: AgentInfo, paused: bool, reason: str = "") -> None:
        """Pause (with a reason the wallboard shows) or unpause in all the agent's queues."""
        ...
