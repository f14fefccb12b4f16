"""AMI dropped in the middle of an action: the staff API answers at once that the PBX is not
reachable (never hangs, never claims success), the link comes back by itself, and the same
action then goes through exactly once."""

from __future__ import annotations

import asyncio
import time

import pytest

from ivr.app import Hotline
from ivr.pbxsim.ami_server import AmiSimulator
from tests.ami_hotline import AmiApi

pytestmark = pytest.mark.faults


async def test_agent_action_cut_mid_way_is_reported_and_works_after_the_link_returns(
    ami_api: AmiApi, ami_sim: AmiSimulator, ami_hotline: Hotline
) -> None:
    assert ami_hotline.ami is not None
    logins_before = ami_sim.logins
    ami_sim.drop_on.add("queueadd")
    started = time.monotonic()
    status, body = await ami_api("POST", "/api/agents/A001/login", as_agent="A001")
    assert status == 503, body  # not 200: the agent was not logged in
    assert time.monotonic() - started < 10  # the action's deadline, not a hang
    assert [a["Interface"] for a in ami_sim.actions_named("QueueAdd")] == ["PJSIP/8001"]
    # The client reconnects and logs in again on its own; nothing is re-sent meanwhile.
    for _ in range(200):
        if ami_sim.logins > logins_before and ami_hotline.ami.is_up:
            break
        await asyncio.sleep(0.05)
    assert ami_sim.logins == logins_before + 1 and ami_hotline.ami.is_up
    assert len(ami_sim.actions_named("QueueAdd")) == 1
    status, body = await ami_api("POST", "/api/agents/A001/login", as_agent="A001")
    assert status == 200, body
    # One QueueAdd per skill queue of A001 (repair, general) after the one that was cut.
    assert len(ami_sim.actions_named("QueueAdd")) == 3
