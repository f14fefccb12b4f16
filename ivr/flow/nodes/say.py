from __future__ import annotations

from typing import Any

from ivr.flow.context import CallContext
from ivr.flow.schema import SayNode


async def run(node: SayNode, ctx: CallContext) -> str | None:
    items: list[dict[str, Any]] = [{}]
    if node.for_each is not None:
        items = list(ctx.vars.get(node.for_each) or [])
    escape = "".join(node.keys)
    for item in items:
        digit = await ctx.play(node.prompt, escape, extra=item)
        if digit and digit in node.keys:
            return node.keys[digit]
    return node.next
