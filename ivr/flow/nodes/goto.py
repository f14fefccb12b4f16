"""`goto`: continue in another flow (at its start, or a named node)."""

from __future__ import annotations

from typing import Literal

from ivr.flow.context import CallContext
from ivr.flow.schema import Jump, NodeModel


class GotoNode(NodeModel):
    type: Literal["goto"]
    flow: str
    node: str | None = None


async def run(node: GotoNode, ctx: CallContext) -> Jump:
    return Jump(node.flow, node.node)
