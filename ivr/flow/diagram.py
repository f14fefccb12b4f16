"""A flow as a graph for the diagram on the flows page: its nodes, where each leads (keys,
timeouts, outcomes), transfers to queues and jumps to other flows; drawn by cytoscape.js.

Built from the loaded models (`NodeModel.targets()`, the same edges the checker follows), so the
diagram shows exactly what calls run, not a second reading of the YAML.
"""

from __future__ import annotations

from typing import Any

from ivr.flow.flowset import Flow
from ivr.flow.schema import NodeModel, prompt_fields

_DETAILS = ("queue", "action", "var", "topic", "into", "timeout", "tries", "min_digits",
            "max_digits", "rings", "max_seconds", "kind")


def _label(name: str, node: NodeModel) -> str:
    lines = [name, f"[{node.type}]"]
    prompt = prompt_fields(node).get("prompt")
    if prompt:
        lines.append(f"♪ {prompt}")
    for key in _DETAILS:
        value = getattr(node, key, None)
        if value is not None and value != "":
            lines.append(f"{key}: {value}{'s' if key == 'timeout' else ''}")
    return "\n".join(lines)


def _edge_label(key: str) -> str:
    """`options.1` → `1`, `outcomes.ok` → `ok`, `cases.2` → `=2`, others as written."""
    head, _, tail = key.partition(".")
    if head in ("options", "keys") and tail:
        return f"key {tail}"
    if head == "cases" and tail:
        return f"= {tail}"
    return tail or head


def flow_graph(flow: Flow) -> dict[str, Any]:
    """Cytoscape elements: `n:<node>` for nodes, `f:<flow>` for other flows, `q:<queue>`."""
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    outside: dict[str, dict[str, Any]] = {}
    for name, node in flow.nodes.items():
        nodes.append({"data": {
            "id": f"n:{name}", "label": _label(name, node), "kind": node.type,
            "line": flow.line("nodes", name), "start": name == flow.start,
        }})
        for key, target in node.targets().items():
            edges.append({"data": {"id": f"e:{name}:{key}", "source": f"n:{name}",
                                   "target": f"n:{target}", "label": _edge_label(key)}})
        goto = getattr(node, "flow", None)
        if node.type == "goto" and isinstance(goto, str):
            where = f"{goto}" + (f" · {node_name}" if (node_name := getattr(node, "node", None))
                                 else "")
            outside.setdefault(f"f:{goto}", {"data": {
                "id": f"f:{goto}", "label": f"→ {where}", "kind": "flow", "flow": goto}})
            edges.append({"data": {"id": f"e:{name}:flow", "source": f"n:{name}",
                                   "target": f"f:{goto}", "label": "goto"}})
        queue = getattr(node, "queue", None)
        if node.type == "transfer" and isinstance(queue, str):
            outside.setdefault(f"q:{queue}", {"data": {
                "id": f"q:{queue}", "label": f"☎ {queue}", "kind": "queue"}})
            edges.append({"data": {"id": f"e:{name}:queue", "source": f"n:{name}",
                                   "target": f"q:{queue}", "label": "queue"}})
    return {"nodes": [*nodes, *outside.values()], "edges": edges, "start": f"n:{flow.start}"}
