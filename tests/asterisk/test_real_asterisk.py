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
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ivr.ami.client import AmiClient
from ivr.ami.state import HotlineState
from ivr.asterisk_names import ASTERISK_QUEUES, TEST_CONTEXT

from .confparse import CONF, parse

ASTERISK = os.environ.get("IVR_TEST_ASTERISK", "")
pytestmark = [
    pytest.mark.asterisk,
    pytest.mark.skipif(
        not ASTERISK, reason="set IVR_TEST_ASTERISK to an Asterisk 20/22 binary to run these"
    ),
]
PJSIP_MODULES = frozenset(
    m
    for m in parse(CONF / "modules.conf").named("modules")[0].get("load")
    if "pjsip" in m or "pjproject" in m
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Pbx:
    url: str  # the IVR's IVR_AMI_URL
    conf: Path  # asterisk.conf of this instance
    root: Path
    sip_port: int

    def rx(self, command: str) -> str:
        """A CLI command over the instance's control socket."""
        return subprocess.run(
            [ASTERISK, "-C", str(self.conf), "-rx", command],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout

    def messages(self) -> str:
        return (self.root / "log" / "messages.log").read_text(errors="replace")


def _wait_for_ami(proc: subprocess.Popen[bytes], port: int, console: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"Asterisk exited ({proc.returncode}):\n{console.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"AMI did not open on port {port}:\n{console.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def asterisk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pbx]:
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
        # astdatadir stays the binary's own: its XML documentation (without which the core
        # refuses to start), sounds and moh were installed there.
        "[options]\nnocolor = yes\n"
    )
    secret = "test-" + os.urandom(8).hex()
    manager = (etc / "manager.conf").read_text().replace("port = 5038", f"port = {ami_port}")
    (etc / "manager.conf").write_text(manager)
    (etc / "manager-ivr.conf").write_text(
        (etc / "manager-ivr.conf.sample").read_text().replace("CHANGE-ME", secret)
    )
    (etc / "hotline-globals.conf").write_text(
        f"IVR_AGI_HOSTS = 127.0.0.1:{dead_agi_port}\n"  # nobody listens: fallback
    )
    pjsip = (etc / "pjsip.conf").read_text().replace("0.0.0.0:5060", f"127.0.0.1:{sip_port}")
    (etc / "pjsip.conf").write_text(pjsip)
    console = root / "console.log"
    with console.open("wb") as out:
        proc = subprocess.Popen(
            [ASTERISK, "-f", "-n", "-C", str(etc / "asterisk.conf")],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_for_ami(proc, ami_port, console)
        yield Pbx(
            f"ami://hotline-ivr:{secret}@127.0.0.1:{ami_port}",
            etc / "asterisk.conf",
            root,
            sip_port,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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


def _has_module_file(pbx: Pbx, module: str) -> bool:
    settings = pbx.rx("core show settings")
    line = next(ln for ln in settings.splitlines() if "Module directory:" in ln)
    return (Path(line.split(":", 1)[1].strip()) / module).is_file()


def test_every_module_in_modules_conf_is_running(asterisk: Pbx) -> None:
    listed = parse(CONF / "modules.conf").named("modules")[0].get("load")
    shown = asterisk.rx("module show")
    running = {ln.split()[0] for ln in shown.splitlines() if " Running " in f" {ln} "}
    pjsip_built = _has_module_file(asterisk, "res_pjsip.so")
    expected = {m for m in listed if pjsip_built or m not in PJSIP_MODULES}
    assert expected - running == set()


def test_pjsip_configuration_loads(asterisk: Pbx) -> None:
    if not _has_module_file(asterisk, "res_pjsip.so"):
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


async def _call_through_the_fallback(ami: AmiClient) -> None:
    # The caller id goes on the originated channel, so Newchannel already carries it - as a
    # carrier's INVITE does (the IVR's AMI user does not receive NewCallerid).
    await ami.originate(
        f"Local/13800138000@{TEST_CONTEXT}",
        application="Wait",
        data="20",
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
        async with asyncio.timeout(15):
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
    async with asyncio.timeout(20):
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
    assert busy is not None and busy.group(1) == "all-circuits-busy-now&please-try-call-later"
