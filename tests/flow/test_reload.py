"""Flows change without a restart; a bad edit is reported and the working flows stay."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from ivr.flow.registry import FlowRegistry
from tests.hotline import ROOT


def copy_flows(tmp_path: Path) -> tuple[Path, Path]:
    flows, prompts = tmp_path / "flows", tmp_path / "prompts"
    shutil.copytree(ROOT / "flows", flows)
    shutil.copytree(ROOT / "prompts", prompts)
    return flows, prompts


def test_a_bad_edit_keeps_the_running_flows(tmp_path: Path) -> None:
    flows, prompts = copy_flows(tmp_path)
    registry = FlowRegistry(flows, prompts)
    before = registry.current()
    (flows / "repair.yaml").write_text("flow: repair\nnodes: [", encoding="utf-8")
    assert registry.reload() is False
    assert registry.current() is before
    assert registry.last_error is not None
    assert "repair.yaml" in str(registry.last_error)


def test_a_good_edit_replaces_them_and_changes_the_version(tmp_path: Path) -> None:
    flows, prompts = copy_flows(tmp_path)
    registry = FlowRegistry(flows, prompts)
    before = registry.current()
    path = prompts / "en-US.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Thank you for calling. Goodbye.", "Thank you for calling the hotline. Goodbye."),
        encoding="utf-8")
    assert registry.reload() is True
    after = registry.current()
    assert after.version != before.version
    assert after.prompts.render("goodbye", "en-US", {}).startswith("Thank you for calling the")
    assert before.prompts.render("goodbye", "en-US", {}) == "Thank you for calling. Goodbye."


async def test_the_watcher_reloads_when_a_file_changes(tmp_path: Path) -> None:
    flows, prompts = copy_flows(tmp_path)
    registry = FlowRegistry(flows, prompts)
    before = registry.current().version
    stop = asyncio.Event()
    results: list[bool] = []

    async def watch() -> None:
        async for ok in registry.watch(stop):
            results.append(ok)
            stop.set()

    task = asyncio.create_task(watch())
    await asyncio.sleep(0.3)  # let the watcher start before the edit
    path = flows / "complaint.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "complaint received by the IVR", "complaint taken by the IVR"), encoding="utf-8")
    await asyncio.wait_for(task, timeout=15)
    assert results == [True]
    assert registry.current().version != before


def test_a_control_character_is_a_problem_with_its_line(tmp_path: Path) -> None:
    flows, prompts = copy_flows(tmp_path)
    registry = FlowRegistry(flows, prompts)
    before = registry.current()
    path = flows / "repair.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] += "\x01"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert registry.reload() is False
    assert registry.current() is before
    assert registry.last_error is not None
    assert "repair.yaml:4:" in str(registry.last_error)


def test_very_deep_nesting_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    flows, prompts = copy_flows(tmp_path)
    registry = FlowRegistry(flows, prompts)
    before = registry.current()
    (flows / "deep.yaml").write_text("flow: deep\nnodes: " + "[" * 5000 + "]" * 5000 + "\n",
                                     encoding="utf-8")
    assert registry.reload() is False
    assert registry.current() is before
    assert "deep.yaml" in str(registry.last_error)


def test_an_unexpected_loader_failure_is_reported(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    flows, prompts = copy_flows(tmp_path)
    registry = FlowRegistry(flows, prompts)
    before = registry.current()

    def broken(*_args: object) -> None:
        raise MemoryError("no room")

    monkeypatch.setattr("ivr.flow.registry.load_flow_set", broken)
    assert registry.reload() is False
    assert registry.current() is before
    assert "MemoryError: no room" in str(registry.last_error)
