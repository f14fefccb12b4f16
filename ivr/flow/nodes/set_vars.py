from __future__ import annotations

from ivr.flow.context import CallContext
from ivr.flow.schema import SetNode


async def run(node: SetNode, ctx: CallContext) -> str | None:
    ctx.vars.update(node.vars)
    if node.language is not None and node.language != ctx.language:
        ctx.language = node.language
        ctx.vars["language_chosen"] = True
        ctx.record("language", language=node.language)
    return node.next
