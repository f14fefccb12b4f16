"""Agents logging in and out of their queues, and pausing, over AMI.

Membership follows skills: `agents_conf.memberships()` gives (queue, penalty) with the primary
skill at penalty 0 and the others at 1, the same rule the static `queues-members.conf` uses.
Repeating an action is harmless: logging in twice leaves the agent in their queues (Asterisk's
"Already there"), logging out of a queue the agent has already left is not an error.
"""

from __future__ import annotations

from collections.abc import Iterable

from ivr.ami.agents_conf import AgentSeat, memberships
from ivr.ami.client import AmiActionError, AmiClient
from ivr.services.pbx import AgentNotLoggedIn, Membership


async def log_in(client: AmiClient, seat: AgentSeat) -> list[Membership]:
    """QueueAdd in every queue of the agent's skills, with the skill's penalty."""
    done = []
    for queue, penalty in memberships(seat.skills):
        try:
            await client.queue_add(
                queue,
                seat.interface,
                penalty=penalty,
                member_name=seat.agent,
                state_interface=seat.interface,
            )
            done.append(Membership(queue, penalty, added=True))
        except AmiActionError as exc:
            if "already there" not in exc.message.lower():
                raise
            done.append(Membership(queue, penalty, added=False))
    return done


async def log_out(client: AmiClient, seat: AgentSeat, live_queues: Iterable[str]) -> list[str]:
    """QueueRemove from the agent's skill queues and any other queue the PBX has them in.
    Returns the queues they were removed from."""
    removed = []
    queues = dict.fromkeys([*(q for q, _ in memberships(seat.skills)), *live_queues])
    for queue in queues:
        try:
            await client.queue_remove(queue, seat.interface)
            removed.append(queue)
        except AmiActionError as exc:
            if "not there" not in exc.message.lower():
                raise
    return removed


async def set_paused(client: AmiClient, seat: AgentSeat, paused: bool, reason: str = "") -> None:
    """Pause (with a reason the wallboard shows) or unpause in all the agent's queues."""
    try:
        await client.queue_pause(seat.interface, paused, reason=reason if paused else "")
    except AmiActionError as exc:
        if "not found" in exc.message.lower():
            raise AgentNotLoggedIn(f"agent {seat.agent} is not logged in to any queue") from None
        raise
