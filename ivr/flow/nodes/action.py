"""`action`: run a named Python action and follow the branch for the outcome it returns."""

from __future__ import annotations

from typing import Literal

from ivr.flow.actions import ACTIONS
from ivr.flow.context import CallContext
from ivr.flow.schema import NodeModel


class ActionNode(NodeModel):
    type: Literal["action"]
    action: str
    outcomes: dict[str, str]

    def targets(self) -> dict[str, str]:
        return {f"outcomes.{k}": v for k, v in self.outcomes.items()}

    def sets(self, key: str) -> frozenset[str]:
        action = ACTIONS.get(self.action)
        return action.sets_on(key.removeprefix("outcomes.")) if action else frozenset()


async def run(node: ActionNode, ctx: CallContext) -> str | None:
    outcome = await ACTIONS[node.action].run(ctx)
    return node.outcomes[outcome]
