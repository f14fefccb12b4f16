"""`hangup`: say goodbye (optionally) and end the call."""

from __future__ import annotations

from typing import Literal

from ivr.db.enums import CallOutcome
from ivr.flow.context import CallContext
from ivr.flow.schema import NodeModel


class HangupNode(NodeModel):
    type: Literal["hangup"]
    prompt: str | None = None


async def run(node: HangupNode, ctx: CallContext) -> str | None:
    if node.prompt:
        await ctx.play(node.prompt)
    ctx.outcome = ctx.outcome or CallOutcome.SELF_SERVED
    await ctx.channel.hangup()
    return None  # the call is done
