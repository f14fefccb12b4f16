"""Whole-set checks: targets exist, every node is reachable, prompts exist, actions are routed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from ivr.flow import schema
from ivr.flow.actions.base import Action
from ivr.flow.nodes.action import ActionNode
from ivr.flow.nodes.collect import CollectNode
from ivr.flow.nodes.goto import GotoNode
from ivr.flow.nodes.menu import MenuNode
from ivr.flow.problems import Problem, did_you_mean
from ivr.flow.prompts import PromptCatalog
from ivr.flow.variables import check_variables

if TYPE_CHECKING:
    from ivr.flow.flowset import Flow

_ProblemAt = Callable[..., Problem]


def check_graph(
    flows: Mapping[str, Flow],
    prompts: PromptCatalog,
    actions: Mapping[str, Action],
    *,
    all_loaded: bool = True,
) -> list[Problem]:
    """`all_loaded` False: some flow file did not parse, so a goto to a flow not in `flows`
    is not reported (it is most likely in that file, whose own problem is reported)."""
    problems: list[Problem] = []
    for flow in flows.values():
        problems.extend(_check_flow(flow, flows, prompts, actions, all_loaded))
    if not problems:  # variables are traced only through a graph whose targets all exist
        problems.extend(check_variables(flows, prompts, actions))
    return problems


def _check_flow(
    flow: Flow,
    flows: Mapping[str, Flow],
    prompts: PromptCatalog,
    actions: Mapping[str, Action],
    all_loaded: bool,
) -> Iterator[Problem]:
    def problem(node: str | None, key: str | None, message: str, *keys: str | int) -> Problem:
        return Problem(flow.path, flow.line(*keys), message, node=node, key=key)

    if flow.start not in flow.nodes:
        yield problem(
            None,
            "start",
            f"unknown node '{flow.start}'{did_you_mean(flow.start, flow.nodes)}",
            "start",
        )
    for name, node in flow.nodes.items():
        yield from _check_node(problem, flow, flows, prompts, actions, all_loaded, name, node)
    for name in sorted(set(flow.nodes) - _reachable(flow)):
        yield problem(name, None, "unreachable: no path leads here from start", "nodes", name)


def _check_node(
    problem: _ProblemAt,
    flow: Flow,
    flows: Mapping[str, Flow],
    prompts: PromptCatalog,
    actions: Mapping[str, Action],
    all_loaded: bool,
    name: str,
    node: schema.NodeModel,
) -> Iterator[Problem]:
    for key, target in node.targets().items():
        if target not in flow.nodes:
            yield problem(
                name,
                key,
                f"unknown node '{target}'{did_you_mean(target, flow.nodes)}",
                "nodes",
                name,
                *key.split("."),
            )
    for key, prompt in schema.prompt_fields(node).items():
        if prompt not in prompts.names():
            yield problem(
                name,
                key,
                f"unknown prompt '{prompt}'{did_you_mean(prompt, prompts.names())}",
                "nodes",
                name,
                key,
            )
    if isinstance(node, GotoNode):
        yield from _check_goto(problem, flows, all_loaded, name, node)
    action_name = (
        node.action
        if isinstance(node, ActionNode)
        else node.validate_with
        if isinstance(node, CollectNode)
        else None
    )
    if action_name is not None:
        yield from _check_action(problem, name, node, action_name, actions)
    if isinstance(node, MenuNode) and node.phrases:
        yield from _check_phrases(problem, name, node)
    if isinstance(node, CollectNode) and node.min_digits > node.max_digits:
        yield problem(name, "min_digits", "larger than max_digits", "nodes", name, "min_digits")


def _check_goto(
    problem: _ProblemAt, flows: Mapping[str, Flow], all_loaded: bool, name: str, node: GotoNode
) -> Iterator[Problem]:
    target_flow = flows.get(node.flow)
    if target_flow is None:
        if all_loaded:
            yield problem(
                name,
                "flow",
                f"unknown flow '{node.flow}'{did_you_mean(node.flow, flows)}",
                "nodes",
                name,
                "flow",
            )
    elif node.node is not None and node.node not in target_flow.nodes:
        yield problem(
            name,
            "node",
            f"flow '{node.flow}' has no node '{node.node}'"
            f"{did_you_mean(node.node, target_flow.nodes)}",
            "nodes",
            name,
            "node",
        )


def _check_action(
    problem: _ProblemAt,
    name: str,
    node: schema.NodeModel,
    action_name: str,
    actions: Mapping[str, Action],
) -> Iterator[Problem]:
    key = "action" if isinstance(node, ActionNode) else "validate"
    action = actions.get(action_name)
    if action is None:
        yield problem(
            name,
            key,
            f"unknown action '{action_name}'{did_you_mean(action_name, actions)}",
            "nodes",
            name,
            key,
        )
        return
    if isinstance(node, CollectNode):
        if "ok" not in action.outcomes:
            yield problem(
                name,
                key,
                f"action '{action_name}' cannot validate input (it has no 'ok' outcome)",
                "nodes",
                name,
                key,
            )
        return
    assert isinstance(node, ActionNode)
    for outcome in sorted(set(node.outcomes) - action.outcomes):
        yield problem(
            name,
            f"outcomes.{outcome}",
            f"action '{action_name}' has no outcome '{outcome}' "
            f"(it has: {', '.join(sorted(action.outcomes))})",
            "nodes",
            name,
            "outcomes",
            outcome,
        )
    for outcome in sorted(action.outcomes - set(node.outcomes)):
        yield problem(
            name,
            "outcomes",
            f"outcome '{outcome}' of action '{action_name}' goes nowhere",
            "nodes",
            name,
            "outcomes",
        )




def _check_phrases(problem: _ProblemAt, name: str, node: MenuNode) -> Iterator[Problem]:
    """Spoken answers: each names a real option and a known language, none empty or ambiguous."""
    here = ("nodes", name, "phrases")
    owner: dict[tuple[str, str], str] = {}  # (language, phrase) → option, to find duplicates
    for option, by_language in node.phrases.items():
        if option not in node.options:
            yield problem(
                name,
                f"phrases.{option}",
                f"no option '{option}' in this menu (options: {', '.join(node.options)})",
                *here,
                option,
            )
        if not by_language:
            yield problem(name, f"phrases.{option}", "no phrases", *here, option)
        for language, phrases in by_language.items():
            key = f"phrases.{option}.{language}"
            if language not in schema.LANGUAGES:
                yield problem(
                    name,
                    key,
                    f"unknown language '{language}'{did_you_mean(language, schema.LANGUAGES)}",
                    *here,
                    option,
                    language,
                )
                continue
            if not phrases:
                yield problem(name, key, "no phrases", *here, option, language)
            for index, phrase in enumerate(phrases):
                spoken = " ".join(phrase.lower().split())
                if not spoken:
                    yield problem(
                        name, f"{key}.{index}", "empty phrase", *here, option, language, index
                    )
                elif (language, spoken) in owner and owner[language, spoken] != option:
                    yield problem(
                        name,
                        f"{key}.{index}",
                        f"'{phrase}' is also a phrase of option '{owner[language, spoken]}'",
                        *here,
                        option,
                        language,
                        index,
                    )
                else:
                    owner[language, spoken] = option
    # The prompts themselves are checked with every other prompt field (schema.prompt_fields).
    if node.speech_prompt is None:
        yield problem(
            name,
            "speech_prompt",
            "missing: a menu with phrases needs a prompt that invites speech",
            "nodes",
            name,
            "phrases",
        )


def _reachable(flow: Flow) -> set[str]:
    seen: set[str] = set()
    todo = [flow.start]
    while todo:
        name = todo.pop()
        if name in seen or name not in flow.nodes:
            continue
        seen.add(name)
        todo.extend(flow.nodes[name].targets().values())
    return seen
