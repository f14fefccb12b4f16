"""`say`: play a prompt; `for_each` plays it once per item of a list variable."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from ivr.flow.context import CallContext
from ivr.flow.schema import NodeModel, single_keys


class SayNode(NodeModel):
    type: Literal["say"]
    prompt: str
    for_each: str | None = None
    keys: dict[str, str] = Field(default_factory=dict)  # a key pressed during playback → node
    next: str

    @field_validator("keys")
    @classmethod
    def _keys_are_digits(cls, value: dict[str, str]) -> dict[str, str]:
        return single_keys(value)

    def targets(self) -> dict[str, str]:
        return {"next": self.next} | {f"keys.{k}": v for k, v in self.keys.items()}

    def reads(self) -> dict[str, str]:
        return {"for_each": self.for_each} if self.for_each else {}


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
