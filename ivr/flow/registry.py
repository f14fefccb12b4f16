"""The flows in service, replaced only by a set that passed every check.

Calls take a snapshot at their start (`current()`), so a reload never changes a call mid-way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from watchfiles import awatch

from ivr.flow.flowset import FlowSet, load_flow_set
from ivr.flow.problems import FlowConfigError, Problem

log = logging.getLogger(__name__)


class FlowRegistry:
    def __init__(self, flows_dir: Path, prompts_dir: Path) -> None:
        self.flows_dir = flows_dir
        self.prompts_dir = prompts_dir
        self._current = load_flow_set(flows_dir, prompts_dir)  # start-up refuses a bad set
        self.last_error: FlowConfigError | None = None

    def current(self) -> FlowSet:
        return self._current

    def reload(self) -> bool:
        """Load the files again; keep the running set when the new one has problems."""
        try:
            new = load_flow_set(self.flows_dir, self.prompts_dir)
        except Exception as exc:  # a bad edit must never end the watcher
            if not isinstance(exc, FlowConfigError):
                message = f"cannot load the flows: {type(exc).__name__}: {exc}"
                exc = FlowConfigError([Problem(self.flows_dir, 1, message)])
            self.last_error = exc
            log.error(
                "flow files changed but have problems; still running version %s:\n%s",
                self._current.version,
                exc,
            )
            return False
        self.last_error = None
        if new.version != self._current.version:
            log.info("flows reloaded: version %s -> %s", self._current.version, new.version)
        self._current = new
        return True

    def report_watch_failure(self, exc: BaseException) -> None:
        """The file watcher itself failed (it is restarted): shown like a reload problem."""
        self.last_error = FlowConfigError(
            [Problem(self.flows_dir, 1, f"flow watcher failed: {type(exc).__name__}: {exc}")]
        )

    async def watch(self, stop: asyncio.Event | None = None) -> AsyncIterator[bool]:
        """Reload whenever a flow or prompt file changes; yields whether each reload took."""
        async for _changes in awatch(
            self.flows_dir,
            self.prompts_dir,
            stop_event=stop,
            watch_filter=lambda _change, path: path.endswith(".yaml"),
        ):
            yield self.reload()
