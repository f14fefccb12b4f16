"""`transfer`: hand the caller to an agent queue through Asterisk's Queue application.

The flow ends when an agent took the call. When Asterisk hands the caller back unanswered
(no agent logged in, none free in time: QUEUESTATUS), it goes on at `on_unanswered`, or the
call ends there when that is not given.

Before the queue: out of the queue's hours (`flows/hours/queues.yaml`) the call goes to
`when_closed` with `opens_said` (when it opens next, in the caller's words); otherwise a caller
at normal priority hears their place and the estimated wait from the live AMI state, and past
the callback threshold goes once to `on_long_wait` (a callback offer) with `wait_minutes`.
Raised-priority callers (danger, key customers) jump the line, so no place is told them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from pydantic import Field, field_validator

from ivr import asterisk_names as pbx
from ivr.db.enums import CallOutcome
from ivr.flow.context import JOURNEY_FLUSH_SECONDS, CallContext
from ivr.flow.schema import NodeModel
from ivr.flow.spoken_time import spoken_when
from ivr.services.queue_wait import WaitEstimate, estimate_wait
from ivr.services.workdays import NO_SCHEDULE

log = logging.getLogger(__name__)

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
    when_closed: str | None = None  # out of the queue's hours; without it the queue is tried
    on_long_wait: str | None = None  # estimated wait past the callback threshold (once a call)
    say_wait: bool = True  # the caller's place and estimated wait, when live state has them

    def targets(self) -> dict[str, str]:
        found = {"on_unanswered": self.on_unanswered, "when_closed": self.when_closed,
                 "on_long_wait": self.on_long_wait}
        return {key: node for key, node in found.items() if node}

    def sets(self, key: str) -> frozenset[str]:
        return _SETS.get(key, frozenset())

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


# The place as said: next in line, one caller ahead, or several (grammar differs).
_WAIT_PROMPTS = {0: "queue_wait_next", 1: "queue_wait_one"}

_SETS = {
    "on_unanswered": frozenset({"unanswered_queue"}),
    "when_closed": frozenset({"unanswered_queue", "opens_said"}),
    "on_long_wait": frozenset({"unanswered_queue", "wait_minutes"}),
}


def resolve_queue(node: TransferNode, ctx: CallContext) -> str:
    if node.queue_variable is not None:
        queue = str(ctx.vars.get(node.queue_variable, pbx.FALLBACK_QUEUE))
        return queue if queue in pbx.QUEUES else pbx.FALLBACK_QUEUE
    return node.queue


async def run(node: TransferNode, ctx: CallContext) -> str | None:
    queue = resolve_queue(node, ctx)
    priority = max(node.priority, ctx.queue_priority)
    if node.when_closed is not None:
        opens_said = await closed_until(ctx, queue)
        if opens_said is not None:
            ctx.vars.update(unanswered_queue=queue, opens_said=opens_said)
            return node.when_closed
    # Back from "keep waiting": the caller was just told, straight into the queue.
    told = queue in ctx.wait_offered
    if node.prompt and not told:
        await ctx.play(node.prompt)
    estimate = (current_wait(ctx, queue)
                if node.say_wait and priority == pbx.PRIORITY_NORMAL and not told else None)
    if estimate is not None and estimate.seconds > 0:
        ctx.vars["wait_minutes"] = estimate.minutes
        ctx.record("queue_wait", queue=queue, position=estimate.position,
                   seconds=estimate.seconds)
        wait_said = ctx.flows.prompts.render(
            "wait_one_minute" if estimate.minutes == 1 else "wait_minutes", ctx.language,
            {"wait_minutes": estimate.minutes})
        prompt = _WAIT_PROMPTS.get(estimate.ahead, "queue_wait")
        await ctx.play(prompt, extra={"ahead": estimate.ahead, "wait_said": wait_said})
        if (node.on_long_wait is not None
                and estimate.seconds >= ctx.waits.callback_offer_seconds):
            ctx.wait_offered.add(queue)  # "keep waiting" comes back here: offered once
            ctx.vars["unanswered_queue"] = queue
            return node.on_long_wait
    status = await queue_call(ctx, queue, priority)
    if status in UNANSWERED and node.on_unanswered is not None:
        # Nobody took the call: it is not a transfer, and the caller must not be left hanging.
        ctx.outcome = None
        ctx.vars["unanswered_queue"] = queue
        return node.on_unanswered
    return None


async def closed_until(ctx: CallContext, queue: str) -> str | None:
    """None while the queue is open; else when it opens next, as the caller hears it."""
    hours = ctx.flows.hours
    if queue not in hours.queues:
        return None
    now = ctx.clock()
    local = now.astimezone(ctx.tz)
    schedule = NO_SCHEDULE
    if ctx.queue_calendar is not None:
        try:
            schedule = await ctx.queue_calendar.schedule(local.date())
        except Exception as exc:  # the package's calendar still holds: never fail the caller
            log.warning("call %s: loaded calendar days unreadable (%s); package calendar used",
                        ctx.channel.uniqueid, type(exc).__name__)
    opens = hours.next_open(queue, now, ctx.tz, schedule)
    if opens is not None and opens <= now:
        return None
    ctx.record("queue_closed", queue=queue, opens=opens.isoformat() if opens else None)
    if opens is None:
        return ctx.flows.prompts.render("opens_later", ctx.language, {})
    return spoken_when(ctx, opens, local.date())


def current_wait(ctx: CallContext, queue: str) -> WaitEstimate | None:
    """The caller's place and wait if they joined now; None without live AMI state."""
    live = ctx.live
    if live is None or not live.is_up:
        return None
    views = live.queue_views([queue])
    return estimate_wait(views[0], ctx.waits.talk_seconds) if views else None


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
            await ctx.store_journey()
    except Exception as exc:  # TimeoutError included
        log.warning("call %s: details for the agent's screen not stored (%s)",
                    ctx.channel.uniqueid, type(exc).__name__)
