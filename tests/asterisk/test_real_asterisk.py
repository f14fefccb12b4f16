"""Against a real Asterisk, started with asterisk-conf/: set IVR_TEST_ASTERISK to its binary.

The test copies asterisk-conf/ into a temporary directory with the site files filled in, starts
Asterisk in the foreground, logs in over AMI with the IVR's client and checks what the IVR relies
on: the five queues with the three-ring settings, QueueAdd with skill penalties, and the backup
path - with no IVR listening, a call through the Local-channel test context is still answered and
joins the general queue.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ivr.ami.client import AmiClient
from ivr.ami.state import HotlineState
from ivr.asterisk_names import ASTERISK_QUEUES, TEST_CONTEXT

from .confparse import CONF

ASTERISK = os.environ.get("IVR_TEST_ASTERISK", "")
pytestmark = [
    pytest.mark.asterisk,
    pytest.mark.skipif(
        not ASTERISK, reason="set IVR_TEST_ASTERISK to an Asterisk 20/22 binary to run these"
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def asterisk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    root = tmp_path_factory.mktemp("asterisk")
    etc = root / "etc"
    shutil.copytree(CONF, etc)
    ami_port, sip_port, dead_agi_port = free_port(), free_port(), free_port()
    for d in ("run", "log", "lib", "spool", "db"):
        (root / d).mkdir()
    (etc / "asterisk.conf").write_text(
        "[directories]\n"
        f"astetcdir => {etc}\nastrundir => {root / 'run'}\nastlogdir => {root / 'log'}\n"
        f"astvarlibdir => {root / 'lib'}\nastspooldir => {root / 'spool'}\n"
        f"astdbdir => {root / 'db'}\n"
        f"astdatadir => {Path(ASTERISK).resolve().parents[1] / 'share' / 'asterisk'}\n"
        "[options]\nnocolor = yes\n"
    )
    secret = "test-" + os.urandom(8).hex()
    manager = (etc / "manager.conf").read_text().replace("port = 5038", f"port = {ami_port}")
    (etc / "manager.conf").write_text(manager)
    (etc / "manager-ivr.conf").write_text(
        (etc / "manager-ivr.conf.sample").read_text().replace("CHANGE-ME", secret)
    )
    (etc / "hotline-globals.conf").write_text(
        f"IVR_AGI_HOST = 127.0.0.1\nIVR_AGI_PORT = {dead_agi_port}\n"  # nobody listens: fallback
    )
    pjsip = (etc / "pjsip.conf").read_text().replace("0.0.0.0:5060", f"127.0.0.1:{sip_port}")
    (etc / "pjsip.conf").write_text(pjsip)
    proc = subprocess.Popen(
        [ASTERISK, "-f", "-n", "-C", str(etc / "asterisk.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"ami://hotline-ivr:{secret}@127.0.0.1:{ami_port}", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture
async def client(asterisk: tuple[str, int]) -> AsyncIterator[tuple[AmiClient, HotlineState]]:
    state = HotlineState()
    events: list[Mapping[str, Any]] = []

    def sink(event: Mapping[str, Any]) -> None:
        events.append(event)
        state.feed(event)

    ami = AmiClient(asterisk[0], on_event=sink, backoff_initial=0.2)
    ami.start()
    try:
        assert await ami.wait_up(20), "Asterisk did not accept the IVR's AMI login"
        yield ami, state
    finally:
        await ami.close()


async def test_queues_exist_with_the_three_ring_service_level(
    client: tuple[AmiClient, HotlineState],
) -> None:
    ami, _ = client
    status = await ami.queue_status()
    params = {e["Queue"]: e for e in status if e.get("Event") == "QueueParams"}
    assert set(params) == set(ASTERISK_QUEUES.values())
    assert {p["ServiceLevel"] for p in params.values()} == {"15"}


async def test_agent_login_with_skill_penalty(client: tuple[AmiClient, HotlineState]) -> None:
    ami, state = client
    await ami.queue_add("general", "Local/8001@hotline-agents", penalty=1, member_name="A001")
    try:
        async with asyncio.timeout(5):
            while "Local/8001@hotline-agents" not in state.agents:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        assert state.agents["Local/8001@hotline-agents"].queues == {"general": 1}
    finally:
        await ami.queue_remove("general", "Local/8001@hotline-agents")


async def test_without_the_ivr_a_call_is_still_answered_and_queued(
    client: tuple[AmiClient, HotlineState],
) -> None:
    ami, state = client
    await ami.originate(
        f"Local/13800138000@{TEST_CONTEXT}", application="Wait", data="20", ring_seconds=10
    )
    async with asyncio.timeout(15):
        while not any(  # noqa: ASYNC110
            leg.queue == "general" for c in state.calls.values() for leg in c.record.legs
        ):
            await asyncio.sleep(0.05)
    call = next(c.record for c in state.calls.values() if c.record.legs)
    assert call.caller == "13800138000"
    assert call.answered_at is not None and call.picked_up_within(15)
