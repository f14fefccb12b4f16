from __future__ import annotations

from ivr.flow.context import CallContext
from ivr.flow.schema import HangupNode


async def run(node: HangupNode, ctx: CallContext) -> str | None:
    if node.prompt:
        await ctx.play(node.prompt)
    ctx.outcome = ctx.outcome or "self_served"
    await ctx.channel.hangup()
    return None
