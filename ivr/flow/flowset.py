"""Loading and checking all flows and prompts together, as one versioned set.

A set is either entirely valid or not put into service: `load_flow_set` reports every problem
at once, each with its file and line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ivr.flow.actions import ACTIONS
from ivr.flow.actions.base import Action
from ivr.flow.hours import load_hours
from ivr.flow.knowledge import KNOWLEDGE_DIR, KnowledgeBase, check_references, load_knowledge
from ivr.flow.nodes import NODE_TYPES
from ivr.flow.problems import FlowConfigError, Problem, did_you_mean
from ivr.flow.prompts import PromptCatalog, load_prompts
from ivr.flow.schema import NodeModel
from ivr.flow.validate import check_graph
from ivr.flow.yamlfile import line_of, load_yaml
from ivr.services.business_hours import OpeningHours

_TOP_KEYS = ("flow", "description", "start", "nodes")


@dataclass(frozen=True)
class Flow:
    name: str
    path: Path
    start: str
    nodes: Mapping[str, NodeModel]
    doc: Any  # the parsed YAML, kept for line numbers in later checks

    def line(self, *keys: str | int) -> int:
        return line_of(self.doc, keys)


@dataclass(frozen=True)
class FlowSet:
    flows: Mapping[str, Flow]
    prompts: PromptCatalog
    version: str  # content hash of every flow, prompt and answer file: recorded with each call
    knowledge: KnowledgeBase = field(default_factory=KnowledgeBase)  # common enquiries
    hours: OpeningHours = field(default_factory=OpeningHours)  # agent queues' opening hours


def load_flow_set(
    flows_dir: Path, prompts_dir: Path, actions: Mapping[str, Action] = ACTIONS
) -> FlowSet:
    """Flows from `flows_dir/*.yaml`, their knowledge base from `flows_dir/knowledge/*.yaml`."""
    problems: list[Problem] = []
    knowledge, knowledge_problems = load_knowledge(flows_dir / KNOWLEDGE_DIR)
    problems.extend(knowledge_problems)
    hours, hours_paths, hours_problems = load_hours(flows_dir)
    problems.extend(hours_problems)
    try:
        prompts: PromptCatalog | None = load_prompts(prompts_dir)
    except FlowConfigError as exc:
        problems.extend(exc.problems)
        prompts = None
    flows: dict[str, Flow] = {}
    paths = sorted(flows_dir.glob("*.yaml"))
    if not paths:
        problems.append(Problem(flows_dir, 1, "no flow files (*.yaml)"))
    all_loaded = True
    for path in paths:
        try:
            flow = _load_flow(path)
        except FlowConfigError as exc:
            problems.extend(exc.problems)
            all_loaded = False
            continue
        except Exception as exc:  # any file, however odd, is a problem to report
            problems.append(Problem(path, 1, f"cannot load: {type(exc).__name__}: {exc}"))
            all_loaded = False
            continue
        if flow.name in flows:
            problems.append(
                Problem(
                    path,
                    flow.line("flow"),
                    f"flow '{flow.name}' is also defined in {flows[flow.name].path}",
                )
            )
            continue
        flows[flow.name] = flow
    if prompts is not None:
        problems.extend(check_graph(flows, prompts, actions, all_loaded=all_loaded))
    if all_loaded and not knowledge_problems:
        problems.extend(check_references(knowledge, flows))
    if problems:
        raise FlowConfigError(problems)
    assert prompts is not None
    files = [*paths, *sorted(prompts_dir.glob("*.yaml")), *knowledge.paths, *hours_paths]
    return FlowSet(flows, prompts, _content_hash(files), knowledge, hours)


def _load_flow(path: Path) -> Flow:
    doc = load_yaml(path)
    if not isinstance(doc, Mapping):
        raise FlowConfigError([Problem(path, 1, "expected a mapping with flow, start and nodes")])
    problems: list[Problem] = []
    for key in doc:
        if key not in _TOP_KEYS:
            problems.append(
                Problem(
                    path,
                    line_of(doc, [key]),
                    f"unknown key '{key}'{did_you_mean(str(key), _TOP_KEYS)}",
                )
            )
    for key in ("flow", "start", "nodes"):
        if key not in doc:
            problems.append(Problem(path, 1, f"missing '{key}'"))
    raw_nodes = doc.get("nodes")
    if raw_nodes is not None and not isinstance(raw_nodes, Mapping):
        problems.append(Problem(path, line_of(doc, ["nodes"]), "nodes: expected a mapping"))
        raw_nodes = None
    nodes: dict[str, NodeModel] = {}
    for name, raw in (raw_nodes or {}).items():
        node, node_problems = _parse_node(path, doc, str(name), raw)
        problems.extend(node_problems)
        if node is not None:
            nodes[str(name)] = node
    if problems:
        raise FlowConfigError(problems)
    return Flow(str(doc["flow"]), path, str(doc["start"]), nodes, doc)


def _parse_node(
    path: Path, doc: Any, name: str, raw: Any
) -> tuple[NodeModel | None, list[Problem]]:
    here = ["nodes", name]
    if not isinstance(raw, Mapping):
        return None, [Problem(path, line_of(doc, here), "expected a mapping", node=name)]
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in NODE_TYPES:
        message = (
            f"unknown node type '{kind}'{did_you_mean(str(kind), NODE_TYPES)}"
            if kind is not None
            else "missing 'type'"
        )
        return None, [Problem(path, line_of(doc, [*here, "type"]), message, node=name, key="type")]
    model = NODE_TYPES[kind].model
    try:
        return TypeAdapter(model).validate_python(dict(raw)), []
    except ValidationError as exc:
        problems = []
        fields = [f.alias or k for k, f in model.model_fields.items()]
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            key = ".".join(loc) if loc else None
            if err["type"] == "extra_forbidden":
                message = f"unknown key{did_you_mean(loc[-1], fields)}"
            elif err["type"] == "missing":
                message = "missing"
            else:
                message = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(path, line_of(doc, [*here, *loc]), message, node=name, key=key))
        return None, problems


def _content_hash(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]
