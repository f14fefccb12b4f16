"""An AMI drop mid-Originate, a kill -9 and restart, two dialers at once: every target ends,
dialled no more often than its rules allow, and no attempt is ever sent twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ivr.db.enums import AttemptResult, TargetState
from ivr.db.session import Database
from ivr.pbxsim.ami_outbound import Answer, OutboundTrunk
from ivr.pbxsim.ami_server import AmiSimulator
from tests.dialer.rig import Rig, dialer_rig


def _done(targets: list) -> bool:  # type: ignore[type-arg]
    return bool(targets) and all(
        t.state not in (TargetState.PENDING, TargetState.DIALLING)
        or (t.state == TargetState.DIALLING and t.reason.startswith("answered"))
        for t in targets)


async def _check_bounded(rig: Rig, max_attempts: int) -> None:
    """Per number: dials at the PBX <= attempts written <= max; each ActionID sent once."""
    action_ids = [a.action_id for a in rig.sim.actions_named("Originate")]
    assert len(action_ids) == len(set(action_ids))
    attempts = await rig.attempts()
    written = {a.action_id for a in attempts}
    assert set(action_ids) <= written  # nothing dialled that was not written first
    per_target = Counter(a.target_id for a in attempts)
    dialled = Counter(rig.trunk.numbers)
    for target in await rig.targets():
        assert dialled[target.number] <= per_target[target.id] <= max_attempts
        assert per_target[target.id] == target.attempts


async def test_ami_drop_mid_originate(db: Database) -> None:
    async with dialer_rig(db, lambda n: Answer("answered", after=0.05)) as rig:
        rig.sim.drop_after_originate = 2
        await rig.campaign("drop", [f"+86137{i:08d}" for i in range(6)],
                           pacing={"channels": 3, "per_second": 10},
                           retries={"max_attempts": 3, "delays": {"lost": 0.2}})
        await rig.settle(_done)
        await _check_bounded(rig, 3)
        results = Counter(a.result for a in await rig.attempts())
        assert results[AttemptResult.LOST] >= 1  # what the drop left unknown was counted
        assert all(t.state == TargetState.DIALLING for t in await rig.targets())  # answered


async def test_restart_resolves_what_a_killed_dialer_left(db: Database) -> None:
    """A dialer cancelled with calls in flight (the in-process kill); a new one under the same
    name resolves its dialling attempts as lost at start and dials each target again once."""
    async with AmiSimulator() as sim:
        sim.pbx.trunk = OutboundTrunk(plan=lambda n: Answer("no_answer", after=30))
        async with dialer_rig(db, sim=sim, name="d1", ring_seconds=20) as rig:
            await rig.campaign("killed", [f"+86136{i:08d}" for i in range(4)],
                               retries={"max_attempts": 2, "delays": {"lost": 0}})
            await rig.settle(lambda ts: all(t.state == TargetState.DIALLING for t in ts))
        sim.pbx.trunk.plan = lambda n: Answer("busy", after=0.01)
        async with dialer_rig(db, sim=sim, name="d1") as rig:
            await rig.settle(_done)
            await _check_bounded(rig, 2)
            for target in await rig.targets():
                assert target.state == TargetState.UNREACHABLE and target.attempts == 2


@pytest.mark.postgres
async def test_two_dialers_never_take_the_same_target(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("several dialers need PostgreSQL's row locks")
    async with AmiSimulator() as sim:
        sim.pbx.trunk = OutboundTrunk(plan=lambda n: Answer("answered", after=0.02))
        async with dialer_rig(db, sim=sim, name="a", run=False) as first, \
                dialer_rig(db, sim=sim, name="b", run=False) as second:
            numbers = [f"+86135{i:08d}" for i in range(60)]
            await first.campaign("shared", numbers, pacing={"channels": 20, "per_second": 50},
                                 retries={"max_attempts": 1})
            tasks = [asyncio.create_task(d.dialer.run()) for d in (first, second)]
            try:
                await first.settle(_done)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.wait(tasks)
            assert sorted(sim.pbx.trunk.numbers) == sorted(numbers)  # each exactly once
            dialers = Counter(a.dialer for a in await first.attempts())
            assert set(dialers) == {"a", "b"}


def test_kill_9_and_restart_of_the_dialer_process(tmp_path: Path, database_url: str) -> None:
    """`ivr dialer` killed with SIGKILL while calls ring, then started again under its name."""
    if not database_url.startswith("sqlite"):
        pytest.skip("one process against the file database is enough here")
    asyncio.run(_kill_and_restart(tmp_path, database_url))


async def _kill_and_restart(tmp_path: Path, database_url: str) -> None:
    db = Database.from_url(database_url)
    async with AmiSimulator() as sim:
        sim.pbx.trunk = OutboundTrunk(plan=lambda n: Answer("no_answer", after=20))
        async with dialer_rig(db, sim=sim, name="setup", run=False) as rig:
            numbers = [f"+86134{i:08d}" for i in range(5)]
            await rig.campaign("kill9", numbers,
                               retries={"max_attempts": 2, "delays": {"lost": 0, "busy": 0}})
            env = {**os.environ, "IVR_DATABASE_URL": database_url.replace("+aiosqlite", ""),
                   "IVR_AMI_URL": sim.url, "IVR_DIALER_NAME": "proc-1",
                   "IVR_RING_SECONDS": "20", "IVR_DATA_DIR": str(tmp_path)}
            ivr = [sys.executable, "-m", "ivr.cli.main", "dialer"]
            proc = await asyncio.create_subprocess_exec(
                *ivr, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                async with asyncio.timeout(20):
                    while len(sim.pbx.trunk.numbers) < 5:  # noqa: ASYNC110  # other process
                        await asyncio.sleep(0.05)
            finally:
                proc.send_signal(signal.SIGKILL)
                await proc.wait()
            sim.pbx.trunk.plan = lambda n: Answer("busy", after=0.01)
            proc = await asyncio.create_subprocess_exec(
                *ivr, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                await rig.settle(_done, within=30)
            finally:
                proc.terminate()
                await proc.wait()
            await _check_bounded(rig, 2)
            assert Counter(rig.trunk.numbers) == dict.fromkeys(numbers, 2)
    await db.close()
