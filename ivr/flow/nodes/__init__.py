"""Every node type a flow may use, by the `type:` a supervisor writes.

A node type is one module here (its pydantic model and its `run`) plus one line in `NODE_TYPES`:
nothing registers itself on import. `run` returns the next node's name, a `Jump` to another
flow, or None when the call is done.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ivr.flow.nodes import (
    action,
    answer,
    branch,
    collect,
    dial,
    goto,
    hangup,
    menu,
    record,
    say,
    set_vars,
    ticket,
    transfer,
)
from ivr.flow.schema import Next, NodeModel

if TYPE_CHECKING:
    from ivr.flow.context import CallContext


@dataclass(frozen=True)
class NodeType:
    model: type[NodeModel]
    # Typed per module (`run(node: SayNode, ...)`); the table pairs each with its own model.
    run: Callable[[Any, CallContext], Awaitable[Next]]


NODE_TYPES: dict[str, NodeType] = {
    "say": NodeType(say.SayNode, say.run),
    "menu": NodeType(menu.MenuNode, menu.run),
    "collect": NodeType(collect.CollectNode, collect.run),
    "action": NodeType(action.ActionNode, action.run),
    "branch": NodeType(branch.BranchNode, branch.run),
    "set": NodeType(set_vars.SetNode, set_vars.run),
    "ticket": NodeType(ticket.TicketNode, ticket.run),
    "transfer": NodeType(transfer.TransferNode, transfer.run),
    "dial": NodeType(dial.DialNode, dial.run),
    "goto": NodeType(goto.GotoNode, goto.run),
    "hangup": NodeType(hangup.HangupNode, hangup.run),
    "record": NodeType(record.RecordNode, record.run),
    "answer": NodeType(answer.AnswerNode, answer.run),
}


def node_type(node: NodeModel) -> NodeType:
    return NODE_TYPES[node.type]
