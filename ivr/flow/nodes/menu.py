from __future__ import annotations

from ivr.flow.context import CallContext
from ivr.flow.schema import DIGITS, MenuNode


async def run(node: MenuNode, ctx: CallContext) -> str | None:
    # Every key interrupts the prompt, so a wrong key is heard as wrong at once (and `#`/`*`
    # can be options, which GET DATA would swallow as the end-of-entry key).
    for attempt in range(1, node.tries + 1):
        digit = await ctx.play(node.prompt, DIGITS)
        if not digit:
            digit = await ctx.channel.wait_for_digit(int(node.timeout * 1000))
            if digit:
                ctx.record("key", digits=digit, during=node.prompt)
        if digit and digit in node.options:
            return node.options[digit]
        ctx.record("menu_retry", prompt=node.prompt, attempt=attempt,
                   reason="invalid" if digit else "no_input")
        if attempt < node.tries:
            await ctx.play(node.invalid_prompt if digit else node.no_input_prompt)
    ctx.record("menu_failed", prompt=node.prompt, tries=node.tries)
    return node.on_fail
