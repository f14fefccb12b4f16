from __future__ import annotations

from ivr.flow.actions import ACTIONS
from ivr.flow.context import CallContext
from ivr.flow.schema import ActionNode


async def run(node: ActionNode, ctx: CallContext) -> str | None:
    outcome = await ACTIONS[node.action].run(ctx)
    return node.outcomes[outcome]
