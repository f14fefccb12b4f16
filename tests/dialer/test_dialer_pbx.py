"""The dialer against the AMI simulator: attempts written before they are dialled, pacing
within its limits, retries by the rules, the do-not-call list."""

from __future__ import annotations

from ivr.db.enums import AttemptResult, TargetState
from ivr.db.session import Database
from ivr.pbxsim.ami_outbound import Answer
from tests.dialer.rig import dialer_rig, simulator_on_own_thread


def _ended(targets: list) -> bool:  # type: ignore[type-arg]
    return bool(targets) and all(
        t.state not in (TargetState.PENDING, TargetState.DIALLING)
        or (t.state == TargetState.DIALLING and t.reason.startswith("answered"))
        for t in targets)


async def test_pacing_never_exceeds_channels_or_calls_per_second(db: Database) -> None:
    plan = lambda n: Answer("no_answer", after=0.3)  # noqa: E731
    async with simulator_on_own_thread(plan) as sim, dialer_rig(db, sim=sim) as rig:
        numbers = [f"+86139{i:08d}" for i in range(24)]
        await rig.campaign("paced", numbers, pacing={"channels": 4, "per_second": 8},
                           retries={"max_attempts": 1})
        await rig.settle(_ended)
        assert len(rig.trunk.arrivals) == 24
        assert rig.trunk.max_in_progress <= 4
        assert rig.trunk.max_per_second() <= 8
        assert all(t.state == TargetState.UNREACHABLE for t in await rig.targets())


async def test_rate_limit_holds_with_many_channels(db: Database) -> None:
    plan = lambda n: Answer("busy", after=0.01)  # noqa: E731
    async with simulator_on_own_thread(plan) as sim, dialer_rig(db, sim=sim) as rig:
        await rig.campaign("rate", [f"+86138{i:08d}" for i in range(15)],
                           pacing={"channels": 20, "per_second": 5},
                           retries={"max_attempts": 1})
        await rig.settle(_ended)
        assert len(rig.trunk.arrivals) == 15 and rig.trunk.max_per_second() <= 5


async def test_retries_follow_the_rules_per_result(db: Database) -> None:
    outcomes = {"+8613900000001": "busy", "+8613900000002": "answered",
                "+8613900000003": "congestion"}
    async with dialer_rig(db, lambda n: Answer(outcomes[n], after=0.01)) as rig:
        await rig.campaign(
            "retry", list(outcomes),
            retries={"max_attempts": 3, "delays": {"busy": 0.1, "congestion": 0}})
        await rig.settle(_ended)
        by_number = {t.number: t for t in await rig.targets()}
        assert by_number["+8613900000001"].attempts == 3
        assert by_number["+8613900000001"].state == TargetState.UNREACHABLE
        assert by_number["+8613900000003"].attempts == 3
        assert by_number["+8613900000002"].attempts == 1
        assert rig.trunk.numbers.count("+8613900000001") == 3
        assert rig.trunk.numbers.count("+8613900000002") == 1
        attempts = await rig.attempts()
        assert {a.result for a in attempts} == {
            AttemptResult.BUSY, AttemptResult.ANSWERED, AttemptResult.CONGESTION}
        # The ActionID the PBX saw is the attempt's, written before it was dialled.
        seen = {a.action_id for a in rig.sim.actions_named("Originate")}
        assert seen == {a.action_id for a in attempts}


async def test_do_not_call_list_holds(db: Database) -> None:
    async with dialer_rig(db) as rig:
        await rig.campaigns.do_not_call("13900000009", "asked not to be called", "test")
        await rig.campaign("dnc", ["+8613900000009", "+8613900000010"])
        await rig.settle(_ended)
        assert rig.trunk.numbers == ["+8613900000010"]
        states = {t.number: t.state for t in await rig.targets()}
        assert states["+8613900000009"] == TargetState.DO_NOT_CALL
