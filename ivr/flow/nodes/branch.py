"""`branch`: go on according to the value of a variable."""

from __future__ import annotations

from typing import Literal

from ivr.flow.context import CallContext
from ivr.flow.schema import NodeModel


class BranchNode(NodeModel):
    type: Literal["branch"]
    var: str
    cases: dict[str, str]
    default: str

    def targets(self) -> dict[str, str]:
        return {f"cases.{k}": v for k, v in self.cases.items()} | {"default": self.default}

    def reads(self) -> dict[str, str]:
        return {"var": self.var}


async def run(node: BranchNode, ctx: CallContext) -> str | None:
    value = ctx.vars.get(node.var)
    return node.cases.get(str(value).lower() if isinstance(value, bool) else str(value),
                          node.default)
