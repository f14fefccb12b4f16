"""Which variables a node may read: every value a prompt, `branch`, `{var}` queue, `dial` or
work-order description names must be set on some path that reaches the node.

The flows are traced as one graph (gotos included, every flow's start an entry): a node's
variables are those set on any path to it. What sets them: `set` and `collect` nodes, the
declared `sets`/`lists` of actions, work orders (their number and deadlines) and an unanswered
`transfer`. A name no path sets would reach a caller as an apology at run time; here it is a
`file:line` problem instead.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from ivr.flow import schema
from ivr.flow.actions.base import Action
from ivr.flow.nodes.goto import GotoNode
from ivr.flow.nodes.menu import MenuNode
from ivr.flow.nodes.say import SayNode
from ivr.flow.problems import Problem
from ivr.flow.prompts import PromptCatalog

if TYPE_CHECKING:
    from ivr.flow.flowset import Flow

_Place = tuple[str, str]  # (flow, node)
_Edge = tuple[_Place, frozenset[str]]  # the node it leads to, the variables set on the way


def check_variables(
    flows: Mapping[str, Flow], prompts: PromptCatalog, actions: Mapping[str, Action]
) -> list[Problem]:
    reaching = _reaching_variables(flows)
    item_fields: dict[str, set[str]] = defaultdict(set)
    for action in actions.values():
        for name, fields in action.lists.items():
            item_fields[name] |= fields
    problems: list[Problem] = []
    for flow in flows.values():
        for name, node in flow.nodes.items():
            known = reaching.get((flow.name, name))
            if known is None:
                continue  # unreachable nodes are reported by the graph check
            problems.extend(_unset_reads(flow, name, node, known, prompts, item_fields))
    return problems


def _unset_reads(
    flow: Flow,
    name: str,
    node: schema.NodeModel,
    known: frozenset[str],
    prompts: PromptCatalog,
    item_fields: Mapping[str, set[str]],
) -> Iterator[Problem]:
    for key, variable in node.reads().items():
        if variable not in known:
            yield Problem(flow.path, flow.line("nodes", name, key.split(".")[0]),
                          f"variable '{variable}' is not set on any path to this node",
                          node=name, key=key)
    for key, prompt in schema.prompt_fields(node).items():
        available = set(known)
        if isinstance(node, SayNode) and node.for_each is not None:
            available |= item_fields.get(node.for_each, set())
        if isinstance(node, MenuNode) and key == "confirm_prompt":
            available.add("choice")  # the phrase the recogniser heard
        for value in sorted(_prompt_values(prompts, prompt) - available):
            yield Problem(flow.path, flow.line("nodes", name, key),
                          f"prompt '{prompt}' says '{{{value}}}', which no path to this "
                          f"node sets", node=name, key=key)


def _prompt_values(prompts: PromptCatalog, prompt: str) -> set[str]:
    return {field for by_name in prompts.by_language.values() if prompt in by_name
            for field, _kind in by_name[prompt].fields()}


def _reaching_variables(flows: Mapping[str, Flow]) -> dict[_Place, frozenset[str]]:
    """Variables set on some path from a flow's start to each reachable node (a fixpoint)."""
    edges = {place: list(_edges(flows, place)) for place in _places(flows)}
    reaching: dict[_Place, frozenset[str]] = {}
    todo: deque[_Place] = deque()
    for flow in flows.values():
        if flow.start in flow.nodes:
            reaching[flow.name, flow.start] = frozenset()
            todo.append((flow.name, flow.start))
    while todo:
        place = todo.popleft()
        for target, sets in edges.get(place, []):
            merged = reaching.get(target, frozenset()) | reaching[place] | sets
            if target not in reaching or merged != reaching[target]:
                reaching[target] = merged
                todo.append(target)
    return reaching


def _places(flows: Mapping[str, Flow]) -> Iterator[_Place]:
    for flow in flows.values():
        for name in flow.nodes:
            yield flow.name, name


def _edges(flows: Mapping[str, Flow], place: _Place) -> Iterator[_Edge]:
    flow_name, name = place
    node = flows[flow_name].nodes[name]
    if isinstance(node, GotoNode):
        target = flows.get(node.flow)
        if target is not None:
            yield (node.flow, node.node or target.start), frozenset()
        return
    for key, target_name in node.targets().items():
        yield (flow_name, target_name), node.sets(key)
