"""`branch`: the next node by the value of a variable, `default` for anything else."""

from __future__ import annotations

import pytest

from ivr.flow.nodes import branch
from ivr.flow.nodes.branch import BranchNode
from ivr.pbxsim.memory_channel import MemoryChannel
from ivr.services.hotline_services import HotlineServices
from tests.flow.nodes.factory import make_context, make_node, shipped_node

LINKED = shipped_node("repair", "linked", BranchNode)  # "true" → say_linked, else say_ticket


@pytest.mark.parametrize(("value", "target"), [(True, "say_linked"), (False, "say_ticket")])
async def test_booleans_match_lower_case_cases(
    services: HotlineServices, value: bool, target: str
) -> None:
    channel = MemoryChannel()
    ctx = make_context(channel, services=services, ticket_linked_outage=value)
    assert await branch.run(LINKED, ctx) == target
    assert channel.commands == [] and ctx.journey == []  # a silent, unrecorded step


async def test_unset_variable_takes_the_default(services: HotlineServices) -> None:
    ctx = make_context(MemoryChannel(), services=services)
    assert await branch.run(LINKED, ctx) == "say_ticket"


@pytest.mark.parametrize(("value", "target"), [("billing", "b"), (3, "three"), ("x", "other")])
async def test_strings_and_numbers_match_their_text(
    services: HotlineServices, value: object, target: str
) -> None:
    node = make_node(BranchNode, type="branch", var="choice",
                     cases={"billing": "b", "3": "three"}, default="other")
    ctx = make_context(MemoryChannel(), services=services, choice=value)
    assert await branch.run(node, ctx) == target
