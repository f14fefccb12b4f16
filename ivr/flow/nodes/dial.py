"""`dial`: ring a number (a variable) through the outbound dial template; `next` if unanswered."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ivr.db.enums import CallOutcome
from ivr.flow.context import CallContext
from ivr.flow.schema import NodeModel

MANAGER_QUEUE = "customer_manager"  # what the call log names a call the manager answered


class DialNode(NodeModel):
    type: Literal["dial"]
    number: str  # variable holding an E.164 number
    rings: int = Field(default=3, ge=1, le=10)
    prompt: str | None = None
    next: str

    def targets(self) -> dict[str, str]:
        return {"next": self.next}

    def reads(self) -> dict[str, str]:
        return {"number": self.number}


async def run(node: DialNode, ctx: CallContext) -> str | None:
    number = str(ctx.vars.get(node.number, ""))
    if not number:
        return node.next
    if node.prompt:
        await ctx.play(node.prompt)
    timeout = round(node.rings * ctx.ring_seconds)
    dial_string = ctx.outbound_dial.format(number=number)
    ctx.record("dial", rings=node.rings, timeout=timeout)
    await ctx.channel.exec("Dial", dial_string, str(timeout))
    status = await ctx.channel.get_variable("DIALSTATUS")
    ctx.record("dial_result", status=status)
    if status == "ANSWER":
        ctx.outcome, ctx.queue = CallOutcome.TRANSFERRED, MANAGER_QUEUE
        return None
    return node.next
