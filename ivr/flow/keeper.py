"""Keeping the flows' history, and changing a flow from outside its file: an edit or a rollback.

Every accepted reload is kept (`ivr.services.flow_versions`): the file watcher's as the OS user,
a page edit as the staff member. A change from a page is checked first with the same loader
`ivr serve` and `ivr flows check` use, on a copy of the flows directory with the one file
replaced, so a bad edit never reaches the directory the watcher and the calls read. Only then
is the file replaced atomically (write beside, fsync, rename) and the registry reloaded.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import shutil
import tempfile
from pathlib import Path

from ivr.flow.flowset import FlowSet, load_flow_set
from ivr.flow.knowledge import KNOWLEDGE_DIR
from ivr.flow.problems import FlowConfigError, Problem
from ivr.flow.registry import FlowRegistry
from ivr.services.flow_versions import FlowText, FlowVersions, Version


def system_user() -> str:
    """Who changed a file the watcher picked up: the OS user running the IVR, or `system`."""
    try:
        return getpass.getuser() or "system"
    except (OSError, KeyError):  # no login name and no passwd entry (a bare container)
        return "system"


class FlowChangeRefused(Exception):
    """The change was not put into service; `problems` say why, as `file:line`."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class FlowKeeper:
    def __init__(self, registry: FlowRegistry, versions: FlowVersions) -> None:
        self.registry = registry
        self.versions = versions
        # One change at a time: a page edit and the watcher's record of it must not interleave,
        # or the edit would be kept as the OS user's.
        self._lock = asyncio.Lock()

    def current(self) -> FlowSet:
        return self.registry.current()

    def problems(self) -> list[Problem]:
        """What kept the last change to the files out of service (empty when it went in)."""
        error = self.registry.last_error
        return list(error.problems) if error is not None else []

    async def record(self, *, author: str, source: str) -> list[Version]:
        """Keep each flow of the set in service whose text changed since its last version."""
        async with self._lock:
            return await self._record(author, source)

    async def _record(self, author: str, source: str) -> list[Version]:
        flow_set = self.registry.current()
        texts = await asyncio.to_thread(_texts, flow_set)
        return await self.versions.record(texts, author=author, source=source,
                                          set_version=flow_set.version)

    async def check(self, file_name: str, text: str) -> list[Problem]:
        """Problems the flow set would have with `file_name` holding `text` (nothing written)."""
        return await asyncio.to_thread(self._check, _safe_name(file_name), text)

    def _check(self, file_name: str, text: str) -> list[Problem]:
        flows_dir = self.registry.flows_dir
        with tempfile.TemporaryDirectory(prefix="flow-check-") as scratch:
            copy = Path(scratch) / "flows"
            copy.mkdir()
            for path in flows_dir.glob("*.yaml"):
                shutil.copy2(path, copy / path.name)
            if (flows_dir / KNOWLEDGE_DIR).is_dir():
                shutil.copytree(flows_dir / KNOWLEDGE_DIR, copy / KNOWLEDGE_DIR)
            (copy / file_name).write_text(text, encoding="utf-8")
            try:
                load_flow_set(copy, self.registry.prompts_dir)
            except FlowConfigError as exc:
                # Name the real file, not the scratch copy: the line numbers are the same.
                return [Problem(_outside(p.path, copy, flows_dir), p.line, p.message, p.node,
                                p.key) for p in exc.problems]
        return []

    async def apply(self, file_name: str, text: str, *, author: str, source: str) -> list[Version]:
        """Check, write and reload one flow file; raises `FlowChangeRefused` with the problems
        when it would not load (the file and the flows in service are then left as they were)."""
        file_name = _safe_name(file_name)
        async with self._lock:
            problems = await self.check(file_name, text)
            if problems:
                raise FlowChangeRefused(problems)
            path = self.registry.flows_dir / file_name
            before = await asyncio.to_thread(_read_or_none, path)
            await asyncio.to_thread(write_atomically, path, text)
            if not self.registry.reload():  # another file changed under us meanwhile
                refused = self.problems()
                if before is None:
                    await asyncio.to_thread(path.unlink)
                else:
                    await asyncio.to_thread(write_atomically, path, before)
                self.registry.reload()
                raise FlowChangeRefused(refused)
            return await self._record(author, source)

    async def rollback(self, version: Version, *, author: str) -> list[Version]:
        """Put an earlier version back; the rollback is itself kept as a new version."""
        return await self.apply(version.file_name, version.content, author=author,
                                source="rollback")


def _texts(flow_set: FlowSet) -> dict[str, FlowText]:
    return {name: FlowText(flow.path.name, flow.path.read_text(encoding="utf-8"))
            for name, flow in flow_set.flows.items()}


def _safe_name(file_name: str) -> str:
    if (not file_name.endswith(".yaml") or "/" in file_name or "\\" in file_name
            or file_name.startswith(".")):
        raise ValueError(f"not a flow file name: {file_name!r}")
    return file_name


def _outside(path: Path, copy: Path, flows_dir: Path) -> Path:
    try:
        return flows_dir / path.relative_to(copy)
    except ValueError:
        return path  # a prompt file: already outside the copy


def _read_or_none(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` in one rename: a reader (the watcher, a reload) sees the old file or the
    new one, never half of it. The temporary name does not end in `.yaml`, so the watcher
    ignores it."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            shutil.copymode(path, temp)
        else:
            os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power loss
    finally:
        os.close(directory)
