"""`goto`: the engine continues in another flow, at its start or at a named node."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from ivr.db.session import Database
from ivr.flow.flowset import FlowSet
from ivr.pbxsim.memory_channel import MemoryChannel
from ivr.services.calls import CallLog, JourneyEvent
from ivr.services.hotline_services import HotlineServices
from tests.flow.nodes.factory import flows_from_yaml, make_runner, outcome

FIRST = """
flow: first
start: hello
nodes:
  hello: {type: say, prompt: greeting_short, next: choose}
  choose:
    type: menu
    prompt: outage_after
    options: {"1": to_second_start, "0": to_second_end}
    tries: 1
    on_fail: to_second_start
  to_second_start: {type: goto, flow: second}
  to_second_end: {type: goto, flow: second, node: bye}
"""
SECOND = """
flow: second
start: middle
nodes:
  middle: {type: say, prompt: no_current_outage, next: bye}
  bye: {type: hangup, prompt: goodbye}
"""


@pytest.fixture
def flows(tmp_path: Path) -> FlowSet:
    return flows_from_yaml(tmp_path, first=FIRST, second=SECOND)


def path_of(journey: Iterable[JourneyEvent]) -> list[str]:
    """The nodes the call went through, as flow.node."""
    return [f"{e.data['flow']}.{e.data['node']}" for e in journey if e.kind == "node"]


async def test_goto_a_flow_starts_at_its_start(
    services: HotlineServices, flows: FlowSet, db: Database
) -> None:
    channel = MemoryChannel(["1"])
    ctx = await make_runner(services, flows).handle(channel, "first")
    steps = path_of(ctx.journey)
    assert steps == ["first.hello", "first.choose", "first.to_second_start", "second.middle",
                     "second.bye"]
    assert outcome(ctx) == "self_served"
    assert channel.verbs() == ["ANSWER", "STREAM FILE", "STREAM FILE", "STREAM FILE",
                               "STREAM FILE", "HANGUP"]
    record = await CallLog(db).get(channel.uniqueid)  # the journey is written with the call
    assert record is not None and record.outcome == "self_served"
    assert path_of(record.events) == steps


async def test_goto_a_named_node(services: HotlineServices, flows: FlowSet) -> None:
    channel = MemoryChannel(["0"])
    ctx = await make_runner(services, flows).handle(channel, "first")
    steps = path_of(ctx.journey)
    assert steps[-2:] == ["first.to_second_end", "second.bye"]
    assert "second.middle" not in steps


async def test_hang_up_after_the_goto(services: HotlineServices, flows: FlowSet) -> None:
    channel = MemoryChannel(["1"], hangup_after=3)  # gone as the menu's key is read
    ctx = await make_runner(services, flows).handle(channel, "first")
    steps = path_of(ctx.journey)
    assert steps[-1] == "second.middle"  # the goto itself sends nothing
    assert outcome(ctx) == "caller_hung_up" and ctx.journey[-1].kind == "hangup"


async def test_shipped_main_menu_goes_into_the_repair_flow(services: HotlineServices) -> None:
    channel = MemoryChannel(["2", "h"], caller=None)
    ctx = await make_runner(services).handle(channel, "hotline")
    steps = path_of(ctx.journey)
    assert steps[steps.index("hotline.to_repair") + 1] == "repair.context"
    assert outcome(ctx) == "caller_hung_up"
