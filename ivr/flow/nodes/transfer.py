from __future__ import annotations

from ivr.asterisk_names import QUEUES, asterisk_queue, channel_language
from ivr.flow.context import CallContext
from ivr.flow.schema import TransferNode


def resolve_queue(node: TransferNode, ctx: CallContext) -> str:
    if node.queue.startswith("{"):
        queue = str(ctx.vars.get(node.queue[1:-1], "general"))
        return queue if queue in QUEUES else "general"
    return node.queue


# QUEUESTATUS values with which app_queue hands the caller back without an agent.
UNANSWERED = frozenset({"TIMEOUT", "FULL", "JOINEMPTY", "LEAVEEMPTY", "JOINUNAVAIL",
                        "LEAVEUNAVAIL", "CONTINUE"})


async def run(node: TransferNode, ctx: CallContext) -> str | None:
    queue = resolve_queue(node, ctx)
    priority = max(node.priority, int(ctx.vars.get("queue_priority", 0)))
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
    await channel.set_variable("QUEUE_PRIO", str(priority))
    await channel.set_variable("IVR_LANGUAGE", ctx.language)
    # app_queue's announcements in the caller's language (sounds/zh, sounds/en)
    await channel.set_variable("CHANNEL(language)", channel_language(ctx.language))
    await channel.set_variable("IVR_ACCOUNT", ctx.account or "")
    await channel.set_variable("IVR_TICKET", str(ctx.vars.get("ticket_number", "")))
    await channel.set_variable(
        "IVR_VERIFIED",
        "yes" if ctx.account and ctx.vars.get("verified_account") == ctx.account else "no",
    )
    ctx.record("transfer", queue=queue, priority=priority)
    ctx.outcome, ctx.queue = "transferred", queue
    await channel.exec("Queue", asterisk_queue(queue))
    status = await channel.get_variable("QUEUESTATUS")
    ctx.record("queue_result", queue=queue, status=status)
    return status
