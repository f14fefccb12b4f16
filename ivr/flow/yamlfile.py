"""Reading YAML while keeping the line of every key, so problems can point at the right line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ivr.flow.problems import FlowConfigError, Problem


def load_yaml(path: Path) -> Any:
    """Parse one file; a syntax error becomes a `FlowConfigError` with the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowConfigError([Problem(path, 1, f"cannot read: {exc}")]) from None
    try:
        return YAML(typ="rt", pure=True).load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = f"YAML syntax: {exc.problem or exc.context}"
        raise FlowConfigError([Problem(path, line, message)]) from None
    except YAMLError as exc:  # e.g. ReaderError: a control character, with its position
        raise FlowConfigError([Problem(path, _line_at(text, exc), f"YAML: {exc}")]) from None
    except RecursionError:
        raise FlowConfigError([Problem(path, 1, "YAML nested too deeply")]) from None


def _line_at(text: str, exc: YAMLError) -> int:
    """1-based line of a reader error's character position (1 when it has none)."""
    position = getattr(exc, "position", None)
    if isinstance(position, int) and 0 <= position <= len(text):
        return text.count("\n", 0, position) + 1
    return 1


def line_of(doc: Any, keys: Sequence[str | int]) -> int:
    """1-based line of the deepest element of `keys` that exists in `doc` (1 when none does)."""
    line = 0
    node = doc
    for key in keys:
        if isinstance(node, CommentedMap) and key in node:
            line = node.lc.key(key)[0]
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
            line = node.lc.item(key)[0]
            node = node[key]
        else:
            break
    return line + 1
