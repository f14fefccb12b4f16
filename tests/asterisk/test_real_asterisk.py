"""Against a real Asterisk, started with asterisk-conf/: set IVR_TEST_ASTERISK to its binary.

The test copies asterisk-conf/ into a temporary directory with the site files filled in, starts
Asterisk in the foreground, logs in over AMI with the IVR's client and checks what the IVR relies
on: every module modules.conf loads is running (PJSIP only where the binary has it), the five
queues with the three-ring settings, QueueAdd/QueuePause/QueueRemove with the IVR's rights, and
the backup path - with no IVR listening, a call through the Local-channel test context is still
answered, apologised to and queued for the agents; with no agent logged in it is told to call
again rather than left in silence.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ivr.ami.client import AmiClient
from ivr.ami.state import HotlineState
from ivr.asterisk_names import ASTERISK_QUEUES, TEST_CONTEXT

from .confparse import CONF, parse
from .real_pbx import Pbx, free_port, needs_asterisk, running_asterisk

pytestmark = [pytest.mark.asterisk, needs_asterisk]
PJSIP_MODULES = frozenset(
    m
    for m in parse(CONF / "modules.conf").named("modules")[0].get("load")
    if "pjsip" in m or "pjproject" in m
)


@pytest.fixture(scope="module")
def asterisk(tmp_path_factory: pytest.TempPathFactory, pbx_sounds: Path) -> Iterator[Pbx]:
    dead_agi_port = free_port()  # nobody listens: the fallback path
    root = tmp_path_factory.mktemp("asterisk")
    with running_asterisk(root, dead_agi_port, sounds=pbx_sounds) as pbx:
        yield pbx


@pytest.fixture
async def client(asterisk: Pbx) -> AsyncIterator[tuple[AmiClient, HotlineState]]:
    state = HotlineState()
    events: list[Mapping[str, Any]] = []

    def sink(event: Mapping[str, Any]) -> None:
        events.append(event)
        state.feed(event)

    ami = AmiClient(asterisk.url, on_event=sink, backoff_initial=0.2)
    ami.start()
    try:
        assert await ami.wait_up(20), "Asterisk did not accept the IVR's AMI login"
        yield ami, state
    finally:
        await ami.close()
        # No call of one test lives on into the next (the fallback's sounds last 20 s).
        asterisk.rx("channel request hangup all")
        await asyncio.sleep(0.5)


def test_every_module_in_modules_conf_is_running(asterisk: Pbx) -> None:
    listed = parse(CONF / "modules.conf").named("modules")[0].get("load")
    shown = asterisk.rx("module show")
    running = {ln.split()[0] for ln in shown.splitlines() if " Running " in f" {ln} "}
    pjsip_built = asterisk.has_module_file("res_pjsip.so")
    expected = {m for m in listed if pjsip_built or m not in PJSIP_MODULES}
    assert expected - running == set()


def test_pjsip_configuration_loads(asterisk: Pbx) -> None:
    if not asterisk.has_module_file("res_pjsip.so"):
        pytest.skip("this Asterisk was built without pjproject: res_pjsip/chan_pjsip are absent")
    transports = asterisk.rx("pjsip show transports")
    assert f"127.0.0.1:{asterisk.sip_port}" in transports
    errors = [ln for ln in asterisk.messages().splitlines() if "ERROR" in ln and "pjsip" in ln]
    assert errors == []


async def test_queues_exist_with_the_three_ring_service_level(
    client: tuple[AmiClient, HotlineState],
) -> None:
    ami, _ = client
    status = await ami.queue_status()
    params = {e["Queue"]: e for e in status if e.get("Event") == "QueueParams"}
    assert set(params) == set(ASTERISK_QUEUES.values())
    assert {p["ServiceLevel"] for p in params.values()} == {"15"}
    assert (params["emergency"]["Weight"], params["repair"]["Weight"]) == ("10", "2")


async def test_agent_login_pause_and_logout_with_the_ivrs_rights(
    client: tuple[AmiClient, HotlineState],
) -> None:
    ami, state = client
    member = "Local/8001@hotline-agents"
    await ami.queue_add("general", member, penalty=1, member_name="A001")
    try:
        async with asyncio.timeout(5):
            while member not in state.agents:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        assert state.agents[member].queues == {"general": 1}
        await ami.queue_pause(member, True, reason="lunch")
        async with asyncio.timeout(5):
            while not state.agents[member].paused:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        assert state.agents[member].paused_reason == "lunch"
    finally:
        await ami.queue_remove("general", member)
    async with asyncio.timeout(5):
        while state.agents[member].queues:  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def _call_through_the_fallback(ami: AmiClient, caller: str = "13800138000") -> None:
    # The caller id goes on the originated channel, so Newchannel already carries it - as a
    # carrier's INVITE does (the IVR's AMI user does not receive NewCallerid). The calling side
    # stays long enough for the Mandarin apology (10 s) and busy message (9 s) to play out.
    await ami.originate(
        f"Local/{caller}@{TEST_CONTEXT}",
        application="Wait",
        data="40",
        ring_seconds=10,
        caller_id="13800138000",
    )


async def test_without_the_ivr_a_call_is_still_answered_and_queued(
    client: tuple[AmiClient, HotlineState],
) -> None:
    ami, state = client
    member = "Local/8001@hotline-agents"  # someone must be logged in, or the queue refuses
    await ami.queue_add("general", member, member_name="A001")
    try:
        await _call_through_the_fallback(ami)
        async with asyncio.timeout(30):  # after the 10 s apology
            while not any(  # noqa: ASYNC110
                leg.queue == "general" for c in state.calls.values() for leg in c.record.legs
            ):
                await asyncio.sleep(0.05)
    finally:
        await ami.queue_remove("general", member)
    call = next(c.record for c in state.calls.values() if c.record.legs)
    assert call.caller == "13800138000"
    assert call.answered_at is not None and call.picked_up_within(15)


async def test_without_the_ivr_or_agents_the_caller_is_told_to_call_again(
    asterisk: Pbx,
    client: tuple[AmiClient, HotlineState],
) -> None:
    ami, state = client
    await _call_through_the_fallback(ami)
    async with asyncio.timeout(40):
        while not state.finished:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # the originating half's Hangup follows; it must not count
    assert len(state.finished) == 1
    call = state.finished[0]
    assert call.caller == "13800138000"
    assert call.answered_at is not None and call.ended_at is not None
    assert call.legs == []  # app_queue refused the empty queue (joinempty)
    busy = re.search(
        r"Executing \[fallback@hotline-ivr:\d+\] Playback\(\"[^\"]+\", \"([^\"]+)\"\)",
        asterisk.messages().split("Unable to join queue")[-1],
    )
    (busy_prompt,) = parse(CONF / "extensions.conf").named("globals")[0].get(
        "IVR_FALLBACK_BUSY_PROMPT"
    )
    assert busy is not None and busy.group(1) == busy_prompt == "hotline/fallback-busy"


def _played(pbx: Pbx, channel_part: str) -> list[tuple[str, str]]:
    """(sound, language) of every file Asterisk played on channels whose name has this part."""
    return re.findall(
        rf"<[^>]*{re.escape(channel_part)}[^>]*> Playing '([^'.]+)\.\w+' \(language '(\w+)'\)",
        pbx.messages(),
    )


async def test_a_waiting_caller_hears_their_place_in_mandarin_from_the_hotlines_sounds(
    asterisk: Pbx,
    client: tuple[AmiClient, HotlineState],
) -> None:
    ami, _ = client
    member = "Local/8001@hotline-agents"  # rung, never answers: the callers wait
    await ami.queue_add("general", member, member_name="A001")
    try:
        await _call_through_the_fallback(ami, "13800138001")
        await _call_through_the_fallback(ami, "13800138002")
        told = re.compile(r"Told (\S+) in general-enquiry their queue position \(which was 2\)")
        async with asyncio.timeout(40):
            while not (second := told.search(asterisk.messages())):  # noqa: ASYNC110
                await asyncio.sleep(0.2)
    finally:
        await ami.queue_remove("general", member)
    played = _played(asterisk, second.group(1))
    # the apology, then app_queue's position sentence with the number said in Mandarin, and
    # whatever else it says (the hold time) from the hotline's Mandarin sounds too
    assert played[:4] == [
        ("hotline/fallback-apology", "zh"),
        ("hotline/queue-thereare", "zh"),
        ("digits/2", "zh"),
        ("hotline/queue-callswaiting", "zh"),
    ]
    assert all(language == "zh" for _, language in played)
    assert all(sound.startswith(("hotline/", "digits/")) for sound, _ in played)


def test_asterisk_knows_every_option_the_configuration_sets(asterisk: Pbx) -> None:
    unknown = [ln for ln in asterisk.messages().splitlines() if "Unknown keyword" in ln]
    assert unknown == []
