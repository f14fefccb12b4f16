"""Honest waits, through FastAGI with the queue state from the AMI simulator's events: the
caller hears their place and the estimated wait before joining, in their language; past the
callback threshold they may choose a callback (a work order in their language) or keep waiting."""

from __future__ import annotations

import asyncio

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.pbxsim.ami_server import AmiSimulator
from ivr.services.pbx import QueueView, WaitingCaller
from ivr.services.queue_wait import estimate_wait
from ivr.services.tickets import Tickets
from ivr.speech.build import load_prompt_texts
from tests.hotline import ROOT
from tests.storm.rig import callbacks, place, queues_run

ZH = load_prompt_texts(ROOT / "prompts")["zh-CN"]
EN = load_prompt_texts(ROOT / "prompts")["en-US"]
GENERAL = "general-enquiry"  # Asterisk's name of the hotline's general queue


async def staff(sim: AmiSimulator, *, busy: int, free: int = 0, talk: int | None = None,
                waiting: int = 0) -> None:
    """Agents in the general queue (busy ones on a call), a finished call's talk time, callers
    waiting; as Asterisk reports them over AMI."""
    agents = [(f"PJSIP/80{n:02d}", "2") for n in range(busy)] + [
        (f"PJSIP/81{n:02d}", "1") for n in range(free)]
    for interface, status in agents:
        await sim.emit({"Event": "QueueMemberAdded", "Queue": GENERAL, "MemberName": interface,
                        "Interface": interface, "Status": status, "Paused": "0"})
    if talk is not None:
        await sim.emit({"Event": "AgentComplete", "Queue": GENERAL, "MemberName": "x",
                        "Interface": "PJSIP/7999", "Uniqueid": "100.1", "HoldTime": "10",
                        "TalkTime": str(talk), "Reason": "agent"})
    for n in range(waiting):
        await sim.emit({"Event": "QueueCallerJoin", "Queue": GENERAL, "Position": str(n + 1),
                        "Uniqueid": f"200.{n}", "Channel": f"PJSIP/carrier-{n}",
                        "CallerIDNum": f"1391234000{n}"})


async def settled(hotline: Hotline, waiting: int, members: int) -> None:
    assert hotline.ami is not None
    for _ in range(200):
        view = hotline.ami.queue_views(["general"])[0]
        if len(view.waiting) == waiting and view.members == members:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"AMI state never showed {waiting} waiting, {members} members")


def seconds(view: QueueView, talk: float) -> float | None:
    estimate = estimate_wait(view, talk)
    return None if estimate is None else estimate.seconds


def test_the_estimate_is_each_agents_turn_for_the_callers_place() -> None:
    callers = [WaitingCaller(str(n), "", n + 1, 30.0) for n in range(3)]
    view = QueueView("general", callers, members=2, available=0, longest_wait=30.0,
                     talk_seconds=240.0)
    estimate = estimate_wait(view, 180.0)
    assert estimate is not None
    # three ahead, none free: the fourth agent turn, two agents each freeing every 240 s
    assert (estimate.position, estimate.ahead, estimate.seconds, estimate.minutes) == (
        4, 3, 480.0, 8)
    free = QueueView("general", [], members=2, available=1, longest_wait=None)
    assert seconds(free, 180.0) == seconds(free, 999.0) == 0.0
    # the assumed talk time until a call was measured; nobody logged in or all paused: no figure
    assert seconds(QueueView("general", callers[:1], 1, 0, 30.0), 180.0) == 360.0
    assert estimate_wait(QueueView("general", callers, 0, 0, 30.0), 180.0) is None
    assert estimate_wait(QueueView("general", callers, 2, 0, 30.0, paused=2), 180.0) is None


async def test_a_long_wait_is_told_and_a_callback_taken_instead(
    ami_hotline: Hotline, ami_sim: AmiSimulator, db: Database
) -> None:
    await staff(ami_sim, busy=2, talk=240, waiting=3)
    await settled(ami_hotline, waiting=3, members=2)
    t = await place(ami_hotline, "0", "1")  # a person; the wait is long: 1, call me back
    assert queues_run(t) == []
    assert "您前面还有三位客户，预计等待约八分钟。" in t.prompts
    assert ZH["long_wait_offer"] in t.prompts
    assert any(p.startswith("我们已为您登记回电，工单号是") for p in t.prompts)
    [target] = await callbacks(db)
    assert (target.number, target.language) == ("+8613800138000", "zh-CN")
    order = await Tickets(db).get(target.ticket_id or 0)
    assert order is not None
    assert order.description == "callback: chose not to wait about 8 min in queue general"


async def test_keep_waiting_joins_the_queue_without_hearing_it_all_again(
    ami_hotline: Hotline, ami_sim: AmiSimulator, db: Database
) -> None:
    await staff(ami_sim, busy=1, waiting=2)  # no call measured yet: 180 s assumed
    await settled(ami_hotline, waiting=2, members=1)
    t = await place(ami_hotline, "9", "0", "2")  # English, a person, 2: keep waiting
    said = [p for p in t.prompts if p.startswith("There are")]
    assert said == ["There are two callers ahead of you. The estimated wait is about nine "
                    "minutes."]
    assert t.prompts.count(EN["transfer_agent"]) == 1
    assert queues_run(t) == [GENERAL]
    assert await callbacks(db) == []


async def test_a_short_wait_is_told_and_the_queue_joined(
    ami_hotline: Hotline, ami_sim: AmiSimulator
) -> None:
    await staff(ami_sim, busy=1, free=1, talk=120, waiting=1)
    await settled(ami_hotline, waiting=1, members=2)
    t = await place(ami_hotline, "0")
    # one ahead, one agent free: they are taken; this caller waits one turn of two agents
    assert "您前面还有一位客户，预计等待约一分钟。" in t.prompts
    assert ZH["long_wait_offer"] not in t.prompts
    assert queues_run(t) == [GENERAL]


async def test_an_agent_free_now_means_no_wait_is_said(
    ami_hotline: Hotline, ami_sim: AmiSimulator
) -> None:
    await staff(ami_sim, busy=0, free=1)
    await settled(ami_hotline, waiting=0, members=1)
    t = await place(ami_hotline, "0")
    assert not [p for p in t.prompts if "预计等待" in p]
    assert queues_run(t) == [GENERAL]


async def test_danger_callers_hear_no_place_in_line(
    ami_hotline: Hotline, ami_sim: AmiSimulator
) -> None:
    await staff(ami_sim, busy=2, talk=600, waiting=5)
    await settled(ami_hotline, waiting=5, members=2)
    t = await place(ami_hotline, "8", "say:a wire is down by the market")
    assert queues_run(t) == ["emergency"]
    assert not [p for p in t.prompts if "预计等待" in p]
