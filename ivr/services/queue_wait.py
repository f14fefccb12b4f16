"""The wait a caller about to join a queue is told, from the AMI-driven live state.

With `staffed` agents answering (logged in, not paused) and an agent's call lasting `talk`
seconds on average, an agent frees up every `talk / staffed` seconds; a caller with `ahead`
callers before them and `free` agents available now waits for `ahead - free + 1` of those. It
is the same first-order figure Asterisk's announce-holdtime gives, but for the caller's own
place, and it is said only when it can be honest: no agent logged in, no figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ivr.services.pbx import QueueView


@dataclass(frozen=True)
class WaitEstimate:
    queue: str
    position: int  # the caller's place when they join (1: next)
    ahead: int  # callers waiting before them
    seconds: float  # 0: an agent is free now

    @property
    def minutes(self) -> int:
        """Rounded up: a caller told "about 3 minutes" must not wait 3 and a half."""
        return max(1, math.ceil(self.seconds / 60))


def estimate_wait(view: QueueView, default_talk_seconds: float) -> WaitEstimate | None:
    """Position and wait for a caller joining `view` now at normal priority; None: nobody
    answers the queue (no member logged in, or all paused), so no figure would be true."""
    staffed = view.members - view.paused
    if staffed <= 0:
        return None
    ahead = len(view.waiting)
    talk = view.talk_seconds if view.talk_seconds is not None else default_talk_seconds
    turns = ahead - view.available + 1
    seconds = 0.0 if turns <= 0 else turns * talk / staffed
    return WaitEstimate(view.name, ahead + 1, ahead, round(seconds, 1))
