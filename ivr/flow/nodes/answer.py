"""`answer`: speak a knowledge-base answer (`flows/knowledge/*.yaml`) in the call's language."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ivr.flow.context import CallContext
from ivr.flow.schema import NodeModel, single_keys


class AnswerNode(NodeModel):
    type: Literal["answer"]
    topic: str  # a topic of the knowledge base
    keys: dict[str, str] = Field(default_factory=dict)  # a key pressed while it plays → node
    next: str

    @field_validator("keys")
    @classmethod
    def _keys_are_digits(cls, value: dict[str, str]) -> dict[str, str]:
        return single_keys(value)

    def targets(self) -> dict[str, str]:
        return {"next": self.next} | {f"keys.{k}": v for k, v in self.keys.items()}


async def run(node: AnswerNode, ctx: CallContext) -> str | None:
    text = ctx.flows.knowledge.text(node.topic, ctx.language)
    path = await ctx.synth.render(text, ctx.language)
    ctx.record("prompt", name=f"knowledge:{node.topic}", text=text)
    ctx.record("knowledge", topic=node.topic)
    digit = await ctx.channel.stream_file(str(path), "".join(node.keys))
    if digit:
        ctx.record("key", digits=digit, during=f"knowledge:{node.topic}")
        if digit in node.keys:
            return node.keys[digit]
    return node.next
