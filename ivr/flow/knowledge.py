"""The knowledge base: answers to common enquiries (tariffs, how to pay, how to apply for a
connection, business-office hours) that supervisors keep in `flows/knowledge/*.yaml`.

Each file maps a topic to its answer in every language:

    tariffs:
      zh-CN: 居民生活用电实行阶梯电价……
      en-US: Household electricity is billed in tiers...

Flows speak an answer with an `answer` node naming its topic. Checked with the flows, each
problem with its file and line: a topic without every language (or with an unknown one), an
empty answer, a topic defined twice, an `answer` node naming no topic, a topic no flow uses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ivr.flow.nodes.answer import AnswerNode
from ivr.flow.problems import FlowConfigError, Problem, did_you_mean
from ivr.flow.schema import LANGUAGES
from ivr.flow.yamlfile import line_of, load_yaml

if TYPE_CHECKING:
    from ivr.flow.flowset import Flow

KNOWLEDGE_DIR = "knowledge"  # under the flows directory


@dataclass(frozen=True)
class KnowledgeAnswer:
    topic: str
    texts: Mapping[str, str]  # language → the answer as spoken
    path: Path
    line: int


@dataclass(frozen=True)
class KnowledgeBase:
    answers: Mapping[str, KnowledgeAnswer] = field(default_factory=dict)
    paths: tuple[Path, ...] = ()

    def text(self, topic: str, language: str) -> str:
        return self.answers[topic].texts[language]


def load_knowledge(directory: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Every answer file in `directory` (none is fine: no answers), with every problem."""
    problems: list[Problem] = []
    answers: dict[str, KnowledgeAnswer] = {}
    paths = tuple(sorted(directory.glob("*.yaml"))) if directory.is_dir() else ()
    for path in paths:
        try:
            doc = load_yaml(path)
        except FlowConfigError as exc:
            problems.extend(exc.problems)
            continue
        if doc is None:
            continue
        if not isinstance(doc, Mapping):
            problems.append(Problem(path, 1, "expected a mapping of topic to answers"))
            continue
        for topic, by_language in doc.items():
            answer, found = _answer(path, doc, str(topic), by_language)
            problems.extend(found)
            if answer is None:
                continue
            if answer.topic in answers:
                first = answers[answer.topic]
                problems.append(Problem(path, answer.line, f"topic '{answer.topic}' is also "
                                        f"defined at {first.path}:{first.line}",
                                        key=answer.topic))
                continue
            answers[answer.topic] = answer
    return KnowledgeBase(answers, paths), problems


def _answer(path: Path, doc: object, topic: str,
            by_language: object) -> tuple[KnowledgeAnswer | None, list[Problem]]:
    line = line_of(doc, [topic])
    if not isinstance(by_language, Mapping):
        return None, [Problem(path, line, "expected a mapping of language to answer", key=topic)]
    problems: list[Problem] = []
    texts: dict[str, str] = {}
    for language, text in by_language.items():
        here = line_of(doc, [topic, language])
        key = f"{topic}.{language}"
        if language not in LANGUAGES:
            problems.append(Problem(path, here, f"unknown language '{language}'"
                                    f"{did_you_mean(str(language), LANGUAGES)}", key=key))
        elif not isinstance(text, str) or not text.strip():
            problems.append(Problem(path, here, "expected a non-empty answer", key=key))
        else:
            texts[str(language)] = " ".join(text.split())
    for language in LANGUAGES:
        if language not in by_language:
            problems.append(Problem(path, line, f"missing the answer in {language}", key=topic))
    if problems:
        return None, problems
    return KnowledgeAnswer(topic, texts, path, line), []


def check_references(knowledge: KnowledgeBase, flows: Mapping[str, Flow]) -> Iterator[Problem]:
    """`answer` nodes name known topics; every topic is spoken by some flow."""
    used: set[str] = set()
    for flow in flows.values():
        for name, node in flow.nodes.items():
            if not isinstance(node, AnswerNode):
                continue
            used.add(node.topic)
            if node.topic not in knowledge.answers:
                yield Problem(flow.path, flow.line("nodes", name, "topic"),
                              f"unknown topic '{node.topic}'"
                              f"{did_you_mean(node.topic, knowledge.answers)} (topics are in "
                              f"{KNOWLEDGE_DIR}/*.yaml)", node=name, key="topic")
    for topic, answer in knowledge.answers.items():
        if topic not in used:
            yield Problem(answer.path, answer.line,
                          "not referenced from any flow (no answer node names this topic)",
                          key=topic)
