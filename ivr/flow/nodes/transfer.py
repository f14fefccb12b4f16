"""`transfer`: hand the caller to an agent queue through Asterisk's Queue application.

The flow ends when an agent took the call. When Asterisk hands the caller back unanswered
(no agent logged in, none free in time: QUEUESTATUS), it goes on at `on_unanswered`, or the
call ends there when that is not given.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from pydantic import Field, field_validator

from ivr import asterisk_names as pbx
from ivr.db.enums import CallOutcome
from ivr.flow.context import CallContext
from ivr.flow.schema import NodeModel

log = logging.getLogger(__name__)

JOURNEY_FLUSH_SECONDS = 1.0  # longest the caller waits for it before the queue

# QUEUESTATUS values with which app_queue hands the caller back without an agent.
UNANSWERED = frozenset({"TIMEOUT", "FULL", "JOINEMPTY", "LEAVEEMPTY", "JOINUNAVAIL",
                        "LEAVEUNAVAIL", "CONTINUE"})


class TransferNode(NodeModel):
    type: Literal["transfer"]
    queue: str  # a queue name, or {var} naming a variable that holds one
    priority: int = Field(default=pbx.PRIORITY_NORMAL, ge=pbx.PRIORITY_NORMAL,
                          le=pbx.PRIORITY_EMERGENCY)
    prompt: str | None = None
    on_unanswered: str | None = None

    def targets(self) -> dict[str, str]:
        return {"on_unanswered": self.on_unanswered} if self.on_unanswered else {}

    def sets(self, key: str) -> frozenset[str]:
        return frozenset({"unanswered_queue"}) if key == "on_unanswered" else frozenset()

    def reads(self) -> dict[str, str]:
        variable = self.queue_variable
        return {"queue": variable} if variable else {}

    @property
    def queue_variable(self) -> str | None:
        return self.queue[1:-1] if self.queue.startswith("{") else None

    @field_validator("queue")
    @classmethod
    def _known_queue(cls, value: str) -> str:
        if not (value.startswith("{") and value.endswith("}")) and value not in pbx.QUEUES:
            raise ValueError(f"unknown queue {value!r} (queues: {', '.join(pbx.QUEUES)})")
        return value


def resolve_queue(node: TransferNode, ctx: CallContext) -> str:
    if node.queue_variable is not None:
        queue = str(ctx.vars.get(node.queue_variable, pbx.FALLBACK_QUEUE))
        return queue if queue in pbx.QUEUES else pbx.FALLBACK_QUEUE
    return node.queue


async def run(node: TransferNode, ctx: CallContext) -> str | None:
    queue = resolve_queue(node, ctx)
    priority = max(node.priority, ctx.queue_priority)
    if node.prompt:
        await ctx.play(node.prompt)
    status = await queue_call(ctx, queue, priority)
    if status in UNANSWERED and node.on_unanswered is not None:
        # Nobody took the call: it is not a transfer, and the caller must not be left hanging.
        ctx.outcome = None
        ctx.vars["unanswered_queue"] = queue
        return node.on_unanswered
    return None


async def queue_call(ctx: CallContext, queue: str, priority: int) -> str | None:
    """Set what the agent's screen and the queue need on the channel, then run `Queue`."""
    channel = ctx.channel
    variables = {
        pbx.VAR_QUEUE_PRIO: str(priority),
        pbx.VAR_LANGUAGE: ctx.language,
        # app_queue's announcements in the caller's language (sounds/zh, sounds/en)
        pbx.FUNC_CHANNEL_LANGUAGE: pbx.channel_language(ctx.language),
        pbx.VAR_ACCOUNT: ctx.account or "",
        pbx.VAR_TICKET: str(ctx.vars.get("ticket_number", "")),
        pbx.VAR_VERIFIED: "yes" if ctx.is_verified else "no",
    }
    for name, value in variables.items():
        await channel.set_variable(name, value)
    # the agent desk shows account details only when the IVR verified the caller
    ctx.record("transfer", queue=queue, priority=priority, verified=ctx.is_verified)
    ctx.outcome, ctx.queue = CallOutcome.TRANSFERRED, queue
    await _store_for_the_agent(ctx, queue)
    await channel.exec("Queue", pbx.asterisk_queue(queue))
    status = await channel.get_variable("QUEUESTATUS")
    ctx.record("queue_result", queue=queue, status=status)
    return status


async def _store_for_the_agent(ctx: CallContext, queue: str) -> None:
    """The journey so far, the queue and the premises are stored before the queue rings an
    agent, so their screen pop shows what the caller did in the IVR. A slow or failing database
    only costs the pop its details, never the caller their place in the queue."""
    try:
        async with asyncio.timeout(JOURNEY_FLUSH_SECONDS):
            await ctx.services.calls.handed_over(ctx.channel.uniqueid, queue=queue,
                                                 account=ctx.account, language=ctx.language)
            if ctx.flush_journey is not None:
                await ctx.flush_journey(JOURNEY_FLUSH_SECONDS)
    except Exception as exc:  # TimeoutError included
        log.warning("call %s: details for the agent's screen not stored (%s)",
                    ctx.channel.uniqueid, type(exc).__name__)
