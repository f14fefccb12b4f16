"""The AMI service as the staff API's `LivePbx`: agent actions over AMI, and the errors they
end in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import pytest

from ivr.ami.service import AmiService
from ivr.ami.state import HotlineState
from ivr.db.enums import Language, Skill
from ivr.pbxsim.ami_server import AmiSimulator
from ivr.services.agents import AgentInfo
from ivr.services.pbx import AgentDataError, AgentNotLoggedIn, PbxRefused, PbxUnavailable

FAST: dict[str, Any] = {"backoff_initial": 0.01, "action_timeout": 2.0, "connect_timeout": 2.0}
LI_NA = AgentInfo(
    agent="A001",
    name="Li Na",
    extension="8001",
    skills=frozenset({Skill("repair"), Skill("general")}),
    languages=frozenset({Language("zh-CN")}),
    ranked_skills=(Skill("repair"), Skill("general")),
)


@pytest.fixture
async def service() -> AsyncIterator[tuple[AmiService, AmiSimulator]]:
    async with AmiSimulator() as sim:
        ami = AmiService(sim.url, HotlineState(), **FAST)
        ami.start()
        try:
            assert await ami.client.wait_up(3)
            yield ami, sim
        finally:
            await ami.close()


async def test_log_in_pause_and_log_out_through_the_port(
    service: tuple[AmiService, AmiSimulator],
) -> None:
    ami, sim = service
    with pytest.raises(AgentNotLoggedIn):
        await ami.set_paused(LI_NA, True, "lunch")
    done = await ami.log_in(LI_NA)
    assert [(m.queue, m.penalty, m.added) for m in done] == [
        ("repair", 0, True),
        ("general", 1, True),
    ]
    assert [m.added for m in await ami.log_in(LI_NA)] == [False, False]  # repeating is harmless
    await ami.set_paused(LI_NA, True, "lunch")
    assert sim.actions_named("QueuePause")[-1]["Reason"] == "lunch"
    assert await ami.log_out(LI_NA) == ["repair", "general"]
    assert [q.name for q in ami.queue_views(["general", "repair"])][:2] == ["general", "repair"]


async def test_errors_are_the_ports_own(
    service: tuple[AmiService, AmiSimulator], monkeypatch: pytest.MonkeyPatch
) -> None:
    ami, sim = service
    night = cast(Skill, "night")  # no such queue: what a stale agents row could hold
    unknown = AgentInfo("A009", "X", "8009", frozenset(), frozenset(), ranked_skills=(night,))
    with pytest.raises(AgentDataError, match="unknown skill"):
        await ami.log_in(unknown)
    sim.pbx.queues = ()  # Asterisk answers QueueAdd with an error
    with pytest.raises(PbxRefused, match="No such queue"):
        await ami.log_in(LI_NA)

    async def silent(*_args: Any, **_kwargs: Any) -> None:
        raise TimeoutError

    monkeypatch.setattr(ami.client, "queue_pause", silent)
    with pytest.raises(PbxUnavailable, match="in time"):
        await ami.set_paused(LI_NA, False)
    await ami.close()
    with pytest.raises(PbxUnavailable):
        await ami.log_out(LI_NA)
