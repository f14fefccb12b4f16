"""Several IVR processes behind the real dialplan's host list ([hotline-agi] of the shipped
extensions.conf, IVR_AGI_HOSTS): a real Asterisk (IVR_TEST_ASTERISK) and real `ivr serve`
processes on one PostgreSQL. Calls are Local channels originated over AMI into the test context,
which enters the hotline as a carrier's call does; Asterisk's own log (full verbose) shows which
FastAGI address each call was given and what it executed afterwards.

- A dead address and a live one: every call is served by the live one; the dead one costs at
  most one refused connect per call, and no call reaches the fallback path.
- Two live processes, one killed with SIGKILL while calls are inside both: the killed one's calls
  go to the fallback path (the apology is played to them), the survivor's calls stay with it, and
  new calls all reach the survivor.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ivr.ami.client import AmiClient
from ivr.asterisk_names import TEST_CONTEXT
from tests.faults.spawn import Served

from .real_pbx import Pbx, free_port, needs_asterisk, running_asterisk

pytestmark = [
    pytest.mark.asterisk,
    pytest.mark.timeout(240),
    needs_asterisk,
    pytest.mark.parametrize(
        "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
    ),
]

# The hotline half (;2) of a test call, and the FastAGI address [hotline-agi] gave it.
AGI_TRY = re.compile(r'AGI\("Local/(\d+)@hotline-test-[0-9a-f]+;2", "agi://127\.0\.0\.1:(\d+)/hotline"\)')
FALLBACK = re.compile(
    r'\[fallback@hotline-ivr:1\] NoOp\("Local/(\d+)@hotline-test-[0-9a-f]+;2", '
    r'"IVR unreachable \((\w+)\)'
)


def tries(pbx: Pbx) -> dict[str, list[int]]:
    """Per caller number, the FastAGI ports its call was sent to, in order."""
    seen: dict[str, list[int]] = {}
    for number, port in AGI_TRY.findall(pbx.messages()):
        seen.setdefault(number, []).append(int(port))
    return seen


def fallbacks(pbx: Pbx) -> dict[str, str]:
    """Caller number -> why its call went to the fallback path (lost, none)."""
    return dict(FALLBACK.findall(pbx.messages()))


def apologised(pbx: Pbx, number: str) -> bool:
    return bool(re.search(
        rf"<Local/{number}@hotline-test-[0-9a-f]+;2> Playing 'hotline/fallback-apology",
        pbx.messages()))


def served(tmp_path: Path, name: str, database_url: str, prompt_cache: Path) -> Served:
    data = tmp_path / name
    data.mkdir()
    return Served(data, database_url, prompt_cache, extra_env={"IVR_DIALER": "false"})


@pytest.fixture
async def ami_of() -> AsyncIterator[list[AmiClient]]:
    clients: list[AmiClient] = []
    yield clients
    for client in clients:
        await client.close()


async def login(pbx: Pbx, clients: list[AmiClient]) -> AmiClient:
    ami = AmiClient(pbx.url, backoff_initial=0.2)
    ami.start()
    clients.append(ami)
    assert await ami.wait_up(20)
    return ami


async def call(ami: AmiClient, number: str, hold: int) -> None:
    """A caller who stays `hold` seconds and presses nothing (the greeting lasts 14 s)."""
    await ami.originate(f"Local/{number}@{TEST_CONTEXT}", application="Wait", data=str(hold),
                        ring_seconds=10, caller_id=number)


async def until_tried(pbx: Pbx, numbers: list[str], wait: float = 20) -> dict[str, list[int]]:
    async with asyncio.timeout(wait):
        while not set(numbers) <= set(seen := tries(pbx)):  # noqa: ASYNC110  # Asterisk's log
            await asyncio.sleep(0.2)
    return seen


async def test_a_dead_address_in_the_host_list_costs_a_refused_connect_and_nothing_else(
    database_url: str, prompt_cache: Path, tmp_path: Path, pbx_sounds: Path,
    ami_of: list[AmiClient],
) -> None:
    live = served(tmp_path, "live", database_url, prompt_cache)
    dead = free_port()
    await live.start()
    numbers = [f"1391000{n:04d}" for n in range(8)]
    try:
        with running_asterisk(tmp_path / "pbx", [dead, live.agi_port], sounds=pbx_sounds) as pbx:
            ami = await login(pbx, ami_of)
            for number in numbers:
                await call(ami, number, hold=6)
            seen = await until_tried(pbx, numbers)
            await asyncio.sleep(3)  # inside the greeting
            seen, lost = tries(pbx), fallbacks(pbx)
            refused = pbx.messages().count(f"Connecting to '127.0.0.1:{dead}' failed")
            pbx.rx("channel request hangup all")
    finally:
        live.stop()
    # each call ended up with the live process; those that started at the dead one moved on
    assert {number: ports[-1] for number, ports in seen.items()} == dict.fromkeys(
        numbers, live.agi_port)
    assert all(ports in ([live.agi_port], [dead, live.agi_port]) for ports in seen.values())
    assert refused == sum(ports[0] == dead for ports in seen.values())
    assert lost == {}


async def test_killing_one_of_two_processes_sends_its_calls_to_the_fallback_and_new_ones_on(
    database_url: str, prompt_cache: Path, tmp_path: Path, pbx_sounds: Path,
    ami_of: list[AmiClient],
) -> None:
    first = served(tmp_path, "first", database_url, prompt_cache)
    second = served(tmp_path, "second", database_url, prompt_cache)
    await asyncio.gather(first.start(), second.start())
    try:
        with running_asterisk(tmp_path / "pbx", [first.agi_port, second.agi_port],
                              sounds=pbx_sounds) as pbx:
            ami = await login(pbx, ami_of)
            # Calls until each process holds at least two (each call starts at a random one).
            placed: list[str] = []
            while True:
                batch = [f"1392000{len(placed) + n:04d}" for n in range(4)]
                for number in batch:
                    await call(ami, number, hold=40)
                placed += batch
                seen = await until_tried(pbx, placed)
                held = {port: [n for n in placed if seen[n] == [port]]
                        for port in (first.agi_port, second.agi_port)}
                if all(len(h) >= 2 for h in held.values()) or len(placed) >= 16:
                    break
            assert all(len(h) >= 2 for h in held.values()), held
            await asyncio.sleep(2)  # every call answered and inside the greeting
            first.kill()
            killed, kept = held[first.agi_port], held[second.agi_port]
            async with asyncio.timeout(15):
                while set(fallbacks(pbx)) < set(killed):  # noqa: ASYNC110
                    await asyncio.sleep(0.2)
            # new calls after the kill: each reaches the survivor (after at most one refusal)
            after = [f"1393000{n:04d}" for n in range(6)]
            for number in after:
                await call(ami, number, hold=6)
            seen = await until_tried(pbx, after)
            await asyncio.sleep(3)
            seen, lost = tries(pbx), fallbacks(pbx)
            heard = {n: apologised(pbx, n) for n in killed}
            pbx.rx("channel request hangup all")
    finally:
        first.stop()
        second.stop()
    assert lost == dict.fromkeys(killed, "lost")  # only the killed process's calls, and all
    assert heard == dict.fromkeys(killed, True)
    assert all(seen[n] == [second.agi_port] for n in kept)
    assert {n: seen[n][-1] for n in after} == dict.fromkeys(after, second.agi_port)
    assert all(seen[n] in ([second.agi_port], [first.agi_port, second.agi_port]) for n in after)
