"""A business action that a flow names (`type: action`, `action: NAME`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivr.flow.context import CallContext


@dataclass(frozen=True)
class Action:
    name: str
    outcomes: frozenset[str]  # every outcome `run` may return; flows must route all of them
    run: Callable[[CallContext], Awaitable[str]]
    doc: str = ""
