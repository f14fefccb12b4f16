from __future__ import annotations

from ivr.flow.context import CallContext
from ivr.flow.schema import DialNode


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
        ctx.outcome, ctx.queue = "transferred", "customer_manager"
        return None
    return node.next
