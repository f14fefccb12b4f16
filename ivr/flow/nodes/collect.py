"""`collect`: digits (ended by `#` or `max_digits`) into a variable, checked by an action."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ivr.flow.actions import ACTIONS
from ivr.flow.context import CallContext
from ivr.flow.schema import NodeModel


class CollectNode(NodeModel):
    type: Literal["collect"]
    prompt: str
    into: str
    min_digits: int = Field(default=1, ge=1, le=32)
    max_digits: int = Field(default=32, ge=1, le=32)
    timeout: float = Field(default=8.0, gt=0, le=60)
    tries: int = Field(default=3, ge=1, le=9)
    validate_with: str | None = Field(default=None, alias="validate")  # action: outcome ok = accept
    invalid_prompt: str = "invalid_entry"
    no_input_prompt: str = "no_input"
    next: str
    on_fail: str

    def targets(self) -> dict[str, str]:
        return {"next": self.next, "on_fail": self.on_fail}

    def sets(self, key: str) -> frozenset[str]:
        if key != "next":
            return frozenset()
        validator = ACTIONS.get(self.validate_with) if self.validate_with else None
        return frozenset({self.into}) | (validator.sets_on("ok") if validator else frozenset())


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
