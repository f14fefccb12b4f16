"""What every node type shares: the base model, phone keys, and where a node leads.

Each node type lives in its own module under `ivr/flow/nodes/` (its pydantic model and its
`run`), and `ivr/flow/nodes/__init__.py` lists them. Every model forbids unknown keys, so a
misspelt key is reported at load with its line instead of being silently ignored.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from ivr.db.enums import Language

DIGITS = "0123456789*#"
LANGUAGES: tuple[str, ...] = tuple(language.value for language in Language)
_PROMPT_KEYS = ("prompt", "invalid_prompt", "no_input_prompt", "speech_prompt", "confirm_prompt",
                "not_understood_prompt")


@dataclass(frozen=True)
class Jump:
    """Where a `goto` continues: another flow, at its start or a named node."""

    flow: str
    node: str | None = None


# What a node's `run` returns: the next node of this flow, a jump to another flow, or None
# when the call is done.
Next = str | Jump | None


class NodeModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str  # each node type narrows it to its own name

    def targets(self) -> dict[str, str]:
        """Key path → node name, for every field that names a node in this flow."""
        return {}

    def sets(self, key: str) -> frozenset[str]:
        """Variables this node sets when it leaves through `key` (a key of `targets()`)."""
        return frozenset()

    def reads(self) -> dict[str, str]:
        """Key → variable, for every field that names a variable the node reads."""
        return {}


def single_keys(keys: dict[str, str], what: str = "") -> dict[str, str]:
    """Check that every key of a mapping is one phone key (0-9, *, #)."""
    for key in keys:
        if len(key) != 1 or key not in DIGITS:
            raise ValueError(f"{what}{key!r} is not a single phone key (0-9, *, #)")
    return keys


def prompt_fields(node: NodeModel) -> dict[str, str]:
    """Key → prompt name, for every field of a node that names a prompt."""
    return {k: v for k in _PROMPT_KEYS if isinstance(v := getattr(node, k, None), str)}


def placeholders(template: str) -> list[str]:
    """The `{name}` fields of a text such as a work order's description."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]
