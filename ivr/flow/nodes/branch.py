from __future__ import annotations

from ivr.flow.context import CallContext
from ivr.flow.schema import BranchNode


async def run(node: BranchNode, ctx: CallContext) -> str | None:
    value = ctx.vars.get(node.var)
    return node.cases.get(str(value).lower() if isinstance(value, bool) else str(value),
                          node.default)
