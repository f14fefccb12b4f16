"""Prompt texts per language (`prompts/<language>.yaml`), with `{name}` or `{name:kind}` values.

The kind says how a value is read aloud (money, clock time, digit by digit...); the reading
itself belongs to `ivr.speech.values`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivr.flow.problems import FlowConfigError, Problem
from ivr.flow.schema import LANGUAGES
from ivr.flow.yamlfile import line_of, load_yaml
from ivr.speech.joined import Part
from ivr.speech.values import VALUE_KINDS, speak_value

_FORMATTER = string.Formatter()
# Kinds the catalog reads itself: `text` is said as it is; `label` says the prompt NAME_VALUE,
# so an enumerated value (an outage kind) is spoken in the call's language.
_OWN_KINDS = frozenset({"text", "label"})


class MissingValue(Exception):
    """A prompt names a value the call does not have."""


@dataclass(frozen=True)
class PromptText:
    text: str
    path: Path
    line: int

    def fields(self) -> list[tuple[str, str]]:
        """(name, kind) of every placeholder, kind `text` when not given."""
        return [
            (name, spec or "text")
            for _, name, spec, _ in _FORMATTER.parse(self.text)
            if name is not None
        ]


@dataclass(frozen=True)
class PromptCatalog:
    by_language: Mapping[str, Mapping[str, PromptText]]

    def has(self, name: str, language: str) -> bool:
        return name in self.by_language.get(language, {})

    def names(self) -> set[str]:
        return {n for prompts in self.by_language.values() for n in prompts}

    def render(self, name: str, language: str, values: Mapping[str, Any]) -> str:
        """The text to speak, with every placeholder read aloud in `language`."""
        prompt = self.by_language[language][name]
        out: list[str] = []
        for literal, field, spec, _ in _FORMATTER.parse(prompt.text):
            out.append(literal)
            if field is None:
                continue
            if field not in values or values[field] is None:
                raise MissingValue(f"prompt '{name}' ({language}) needs value '{field}'")
            out.append(self._speak(field, spec or "text", values[field], language))
        return "".join(out)

    def parts(self, name: str, language: str, values: Mapping[str, Any]) -> list[Part]:
        """The sentence in pieces (fixed text, each value's reading with its kind), for
        joining from pre-rendered fragments; `render` gives the same words in one text."""
        prompt = self.by_language[language][name]
        out: list[Part] = []
        for literal, field, spec, _ in _FORMATTER.parse(prompt.text):
            if literal:
                out.append(Part(literal, "fixed"))
            if field is None:
                continue
            if field not in values or values[field] is None:
                raise MissingValue(f"prompt '{name}' ({language}) needs value '{field}'")
            kind = spec or "text"
            words = self._speak(field, kind, values[field], language)
            out.append(Part(words, "text" if kind in _OWN_KINDS else kind, field))
        return out

    def _speak(self, field: str, kind: str, value: Any, language: str) -> str:
        if kind == "text":
            return str(value)
        if kind == "label":
            label = self.by_language[language].get(f"{field}_{value}")
            if label is None:
                raise MissingValue(f"no prompt '{field}_{value}' to say {field}={value!r}")
            return label.text
        return speak_value(kind, value, language)


def load_prompts(prompts_dir: Path) -> PromptCatalog:
    """Load every language file; every problem in every file is reported at once."""
    problems: list[Problem] = []
    by_language: dict[str, dict[str, PromptText]] = {}
    for language in LANGUAGES:
        prompts = _load_language(prompts_dir / f"{language}.yaml", problems)
        if prompts is not None:
            by_language[language] = prompts
    problems.extend(_check_twins(by_language))
    if problems:
        raise FlowConfigError(problems)
    return PromptCatalog(by_language)


def _load_language(path: Path, problems: list[Problem]) -> dict[str, PromptText] | None:
    """One language's prompts (None when the file cannot be read at all); adds its problems."""
    if not path.exists():
        problems.append(Problem(path, 1, "prompt file missing"))
        return None
    try:
        doc = load_yaml(path)
    except FlowConfigError as exc:
        problems.extend(exc.problems)
        return None
    if not isinstance(doc, Mapping):
        problems.append(Problem(path, 1, "expected a mapping of prompt name to text"))
        return None
    prompts: dict[str, PromptText] = {}
    for name, text in doc.items():
        line = line_of(doc, [name])
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(path, line, "expected a non-empty text", key=str(name)))
            continue
        prompt = PromptText(text.strip(), path, line)
        try:
            kinds = prompt.fields()
        except ValueError as exc:
            problems.append(Problem(path, line, f"bad placeholder: {exc}", key=str(name)))
            continue
        for field, kind in kinds:
            if kind not in VALUE_KINDS and kind not in _OWN_KINDS:
                problems.append(
                    Problem(
                        path,
                        line,
                        f"placeholder '{field}': unknown kind '{kind}' "
                        f"(kinds: {', '.join(sorted(VALUE_KINDS | _OWN_KINDS))})",
                        key=str(name),
                    )
                )
        prompts[str(name)] = prompt
    return prompts


def _check_twins(by_language: Mapping[str, Mapping[str, PromptText]]) -> list[Problem]:
    """Every prompt must exist in every language, with the same values in it."""
    problems: list[Problem] = []
    for language, prompts in by_language.items():
        for other, other_prompts in by_language.items():
            if other == language:
                continue
            for name, prompt in prompts.items():
                twin = other_prompts.get(name)
                if twin is None:
                    problems.append(
                        Problem(prompt.path, prompt.line, f"missing in {other}.yaml", key=name)
                    )
                elif language < other and _safe_fields(prompt) != _safe_fields(twin):
                    problems.append(
                        Problem(
                            twin.path,
                            twin.line,
                            f"placeholders differ from {language}.yaml "
                            f"({sorted(_safe_fields(prompt))} vs {sorted(_safe_fields(twin))})",
                            key=name,
                        )
                    )
    return problems


def _safe_fields(prompt: PromptText) -> set[tuple[str, str]]:
    try:
        return set(prompt.fields())
    except ValueError:
        return set()
