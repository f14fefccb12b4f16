"""IVR_CPUS: `ivr serve` kept to the CPUs it is given, threads and child processes included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ivr.config import Settings, SettingsError
from ivr.cpu_affinity import format_cpu_list, parse_cpu_list
from ivr.pbxsim.call import simulate_call
from tests.faults.spawn import SpawnServe


@pytest.mark.parametrize("text,cpus", [
    ("1", {1}), ("0,2", {0, 2}), ("2-3,6", {2, 3, 6}), (" 0 - 1 ", {0, 1}), ("4-4", {4}),
])
def test_cpu_lists_are_read_as_taskset_writes_them(text: str, cpus: set[int]) -> None:
    assert parse_cpu_list(text) == cpus


@pytest.mark.parametrize("text,says", [
    ("a", "expected CPU numbers"), ("1,", "expected CPU numbers"), ("-1", "expected CPU"),
    ("3-1", "runs backwards"), ("1-", "expected CPU numbers"),
])
def test_a_wrong_cpu_list_is_refused_at_start_up(
    monkeypatch: pytest.MonkeyPatch, text: str, says: str
) -> None:
    monkeypatch.setenv("IVR_CPUS", text)
    with pytest.raises(SettingsError, match=f"IVR_CPUS.*{says}"):
        Settings.load()


def test_cpu_lists_are_written_back_in_ranges() -> None:
    assert format_cpu_list({0, 1, 2, 5, 7, 8}) == "0-2,5,7-8"
    assert parse_cpu_list(format_cpu_list({0, 1, 2, 5, 7, 8})) == {0, 1, 2, 5, 7, 8}


def cpus_of(status: Path) -> frozenset[int]:
    for line in status.read_text().splitlines():
        if line.startswith("Cpus_allowed_list:"):
            return parse_cpu_list(line.split(":", 1)[1].strip())
    raise AssertionError(f"no Cpus_allowed_list in {status}")


def allowed_cpus(pid: int) -> tuple[list[frozenset[int]], list[frozenset[int]]]:
    """The CPUs each thread of `pid`, and each of its child processes, may run on."""
    def read(statuses: list[Path]) -> list[frozenset[int]]:
        found = []
        for status in statuses:
            try:
                found.append(cpus_of(status))
            except FileNotFoundError:  # a thread or process that ended meanwhile
                continue
        return found

    tasks = [task / "status" for task in Path(f"/proc/{pid}/task").iterdir()]
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return read(tasks), read([Path(f"/proc/{child}/status") for child in children])


async def test_serve_keeps_every_thread_and_child_to_the_cpus_and_answers(
    spawn_serve: SpawnServe, database_url: str
) -> None:
    if database_url.startswith("postgresql"):
        pytest.skip("a matter of the process, not of the database: once, on SQLite")
    cpu = max(os.sched_getaffinity(0))
    served = spawn_serve(extra_env={"IVR_CPUS": str(cpu)})
    await served.start()
    assert served.process is not None
    pid = served.process.pid

    call = await simulate_call("127.0.0.1", served.agi_port, responses=["h"])

    threads, children = allowed_cpus(pid)
    assert len(threads) > 3  # the loop, the database threads, the executor's
    assert set(threads) == {frozenset({cpu})}
    assert children, "the speech engine's worker processes were expected"
    assert set(children) == {frozenset({cpu})}
    assert call.answered
    assert f"kept to CPUs {cpu} (IVR_CPUS)" in served.log_path.read_text()
    served.stop()


def test_serve_refuses_a_cpu_the_machine_does_not_have(tmp_path: Path) -> None:
    missing = max(os.sched_getaffinity(0)) + 1
    env = os.environ | {"IVR_DATA_DIR": str(tmp_path), "IVR_DATABASE_URL": "",
                        "IVR_CPUS": f"0,{missing}"}
    done = subprocess.run([sys.executable, "-m", "ivr.cli.main", "serve"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert f"IVR_CPUS=0,{missing}: CPU {missing} is not available to this process" \
        in done.stderr
