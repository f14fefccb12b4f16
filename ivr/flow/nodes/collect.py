from __future__ import annotations

from ivr.flow.actions import ACTIONS
from ivr.flow.context import CallContext
from ivr.flow.schema import CollectNode


async def run(node: CollectNode, ctx: CallContext) -> str | None:
    for attempt in range(1, node.tries + 1):
        path = await ctx.prompt_file(node.prompt)
        result = await ctx.channel.get_data(path, int(node.timeout * 1000), node.max_digits)
        digits = result.digits
        if digits:
            # Journey records entries masked: they are often account or phone digits.
            ctx.record("digits", into=node.into, length=len(digits))
        ok = len(digits) >= node.min_digits
        if ok:
            ctx.vars[node.into] = digits
            if node.validate_with is not None:
                ok = await ACTIONS[node.validate_with].run(ctx) == "ok"
        if ok:
            return node.next
        ctx.record("collect_retry", into=node.into, attempt=attempt,
                   reason="invalid" if digits else "no_input")
        if attempt < node.tries:
            await ctx.play(node.invalid_prompt if digits else node.no_input_prompt)
    ctx.record("collect_failed", into=node.into, tries=node.tries)
    return node.on_fail
