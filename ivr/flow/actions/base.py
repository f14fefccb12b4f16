"""A business action that a flow names (`type: action`, `action: NAME`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivr.flow.context import CallContext


@dataclass(frozen=True)
class Action:
    name: str
    outcomes: frozenset[str]  # every outcome `run` may return; flows must route all of them
    run: Callable[[CallContext], Awaitable[str]]
    doc: str = ""
    # Prompt values the action sets, per outcome: `ivr flows check` uses them to report a
    # placeholder that no path sets before a caller would reach it.
    sets: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # List variables it sets (read by `say ... for_each`) → the values each item carries.
    lists: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def sets_on(self, outcome: str) -> frozenset[str]:
        """Variables set when the action returns `outcome` (its lists are set on every one)."""
        return self.sets.get(outcome, frozenset()) | frozenset(self.lists)
