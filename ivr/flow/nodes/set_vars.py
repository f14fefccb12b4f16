"""`set`: set variables, or the language the call continues in."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ivr.db.enums import Language
from ivr.flow.context import CallContext
from ivr.flow.schema import NodeModel


class SetNode(NodeModel):
    type: Literal["set"]
    language: Language | None = None
    vars: dict[str, str | int | bool] = Field(default_factory=dict)
    next: str

    def targets(self) -> dict[str, str]:
        return {"next": self.next}

    def sets(self, key: str) -> frozenset[str]:
        return frozenset(self.vars)


async def run(node: SetNode, ctx: CallContext) -> str | None:
    ctx.vars.update(node.vars)
    if node.language is not None and node.language != ctx.language:
        ctx.language = node.language
        ctx.language_chosen = True
        ctx.record("language", language=node.language.value)
    return node.next
