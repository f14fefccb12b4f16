"""The flows page's diagram is drawn from the loaded flows: every edge the checker follows, with
keys, outcomes and timeouts, and transfers and gotos leading out of the flow."""

from __future__ import annotations

from pathlib import Path

from ivr.flow.diagram import flow_graph
from ivr.flow.flowset import load_flow_set

ROOT = Path(__file__).resolve().parents[2]


def test_the_main_menu_diagram_has_its_keys_timeouts_transfers_and_gotos() -> None:
    flows = load_flow_set(ROOT / "flows", ROOT / "prompts").flows
    hotline = flows["hotline"]
    graph = flow_graph(hotline)
    nodes = {n["data"]["id"]: n["data"] for n in graph["nodes"]}
    edges = {(e["data"]["source"], e["data"]["target"], e["data"]["label"])
             for e in graph["edges"]}
    assert graph["start"] == "n:identify" and nodes["n:identify"]["start"] is True
    # every node of the flow, each with the line it is written on
    assert {i[2:] for i in nodes if i.startswith("n:")} == set(hotline.nodes)
    assert nodes["n:main_menu"]["line"] == hotline.line("nodes", "main_menu")
    assert "timeout: 5.0s" in nodes["n:main_menu"]["label"]
    assert "♪ main_menu" in nodes["n:main_menu"]["label"]
    assert ("n:main_menu", "n:bill_contact", "key 3") in edges
    assert ("n:greeting", "n:english", "key 9") in edges
    assert ("n:main_menu", "n:to_general", "on_fail") in edges
    # out of the flow: a goto to the bill flow, a transfer to the general queue
    assert ("n:to_bill", "f:bill", "goto") in edges and nodes["f:bill"]["kind"] == "flow"
    assert ("n:to_general", "q:general", "queue") in edges
    # no edge points at a node that is not drawn
    assert all(e["data"]["target"] in nodes for e in graph["edges"])
    # as many edges inside the flow as the checker's targets
    inside = sum(len(node.targets()) for node in hotline.nodes.values())
    assert sum(1 for e in graph["edges"] if e["data"]["target"].startswith("n:")) == inside
