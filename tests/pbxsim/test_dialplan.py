"""The dialplan's host loop ([hotline-agi]) played by the simulator against real FastAGI ports:
a process that refuses moves the call on, one that closes before answering too, one that dies
after answering sends the caller to the fallback path, and a finished call says so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from ivr.app import Hotline, start_hotline
from ivr.asterisk_names import VAR_DONE
from ivr.pbxsim.config import DEFAULT_APPLICATIONS, ExecBehaviour, PbxConfig
from ivr.pbxsim.dialplan import Outcome, call_hotline, parse_agi_hosts
from ivr.pbxsim.transcript import EndReason
from ivr.speech.tts import SilentSynthesizer
from tests.conftest import CustomerFactory
from tests.faults.spawn import free_port
from tests.hotline import hotline_settings

# The caller asks for the outage lookup; the IVR answers and ends the call itself.
OUTAGE_LOOKUP = ("1", "1")
# Queue() that returns to the IVR: nobody to take the call.
NOBODY_IN_QUEUE = {"queue": ExecBehaviour(0, sets={"QUEUESTATUS": "JOINEMPTY"})}


@pytest.fixture
async def second(hotline: Hotline, database_url: str, tmp_path: Path) -> AsyncIterator[Hotline]:
    """A second IVR process on the same database."""
    settings = hotline_settings(database_url, tmp_path / "second")
    running = await start_hotline(
        settings, synth=SilentSynthesizer(hotline.settings.prompt_cache_dir), watch=False,
        render=False)
    yield running
    await running.close()


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def fake_ivr() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """A FastAGI port whose 'process' does what the handler says (then its socket closes)."""
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> str:
        async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while (await reader.readline()).strip():  # the agi_* header, to its blank line
                pass
            try:
                await handler(reader, writer)
            finally:
                writer.close()

        server = await asyncio.start_server(run, "127.0.0.1", 0)
        servers.append(server)
        return f"127.0.0.1:{server.sockets[0].getsockname()[1]}"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


async def answers_then_dies(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"ANSWER\n")
    await writer.drain()
    await reader.readline()  # 200 result=0: the caller is connected; then the process is gone


async def closes_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    return None  # accepted, then gone before a single command


def test_the_host_list_is_read_as_the_dialplan_splits_it() -> None:
    assert parse_agi_hosts("10.0.0.1:4573&10.0.0.2") == ["10.0.0.1:4573", "10.0.0.2:4573"]
    for bad in ("", "a:4573&", "a:port", "a:0", ":4573"):
        with pytest.raises(ValueError, match="IVR_AGI_HOSTS"):
            parse_agi_hosts(bad)


async def test_a_refusing_process_moves_the_call_to_the_next(
    hotline: Hotline, add_customer: CustomerFactory
) -> None:
    await add_customer()
    dead = f"127.0.0.1:{free_port()}"
    live = f"127.0.0.1:{hotline.agi_port}"
    call = await call_hotline([dead, live], first=0, responses=OUTAGE_LOOKUP)
    assert call.tries[0][1].ended is EndReason.CONNECT_FAILED
    assert call.served_by == live and call.outcome is Outcome.GONE
    assert call.fallback == []
    transcript = call.transcript
    assert transcript is not None and transcript.answered and transcript.prompts
    assert transcript.uniqueid == call.uniqueid == call.tries[0][1].uniqueid  # one channel


async def test_a_call_the_ivr_hands_back_finished_is_not_queued_again(hotline: Hotline) -> None:
    # A flow that fails puts the caller in the general queue; Queue() returns (nobody there) and
    # the IVR ends the call on purpose: IVR_DONE keeps the dialplan from queueing them again.
    config = PbxConfig(applications={**DEFAULT_APPLICATIONS, **NOBODY_IN_QUEUE})
    call = await call_hotline([f"127.0.0.1:{hotline.agi_port}"], script="no-such-flow",
                              config=config)
    transcript = call.transcript
    assert transcript is not None and transcript.ended is EndReason.SCRIPT_ENDED
    assert [a.application.lower() for a in transcript.apps] == ["queue"]
    assert transcript.variables[VAR_DONE] == "yes"
    assert call.outcome is Outcome.DONE and call.fallback == []


async def test_calls_are_spread_over_the_processes_from_where_each_starts(
    hotline: Hotline, second: Hotline, add_customer: CustomerFactory
) -> None:
    await add_customer()
    hosts = [f"127.0.0.1:{hotline.agi_port}", f"127.0.0.1:{second.agi_port}"]
    calls = await asyncio.gather(*(
        call_hotline(hosts, first=n % 2, responses=OUTAGE_LOOKUP) for n in range(6)))
    assert [c.served_by for c in calls] == hosts * 3
    assert all(c.finished and len(c.tries) == 1 for c in calls)


async def test_a_process_that_dies_after_answering_sends_the_caller_to_the_fallback(
    hotline: Hotline, fake_ivr: Callable[[Handler], Awaitable[str]]
) -> None:
    dying = await fake_ivr(answers_then_dies)
    live = f"127.0.0.1:{hotline.agi_port}"
    call = await call_hotline([dying, live], first=0)
    # The caller heard the IVR pick up: a second IVR would greet them again from the start,
    # so the dialplan puts them through to a person instead.
    assert call.outcome is Outcome.LOST and [h for h, _ in call.tries] == [dying]
    assert call.fallback == ["Answer()", "Playback(hotline/fallback-apology)",
                             "Queue(general-enquiry)"]


async def test_a_process_that_closes_before_answering_passes_the_call_on(
    hotline: Hotline, fake_ivr: Callable[[Handler], Awaitable[str]],
    add_customer: CustomerFactory,
) -> None:
    await add_customer()
    closing = await fake_ivr(closes_at_once)
    live = f"127.0.0.1:{hotline.agi_port}"
    call = await call_hotline([closing, live], first=0, responses=OUTAGE_LOOKUP)
    assert [h for h, _ in call.tries] == [closing, live]
    assert call.tries[0][1].ended is EndReason.SCRIPT_ENDED and not call.tries[0][1].answered
    assert call.finished and call.served_by == live


async def test_nobody_answering_is_the_fallback_after_each_host_once() -> None:
    hosts = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    call = await call_hotline(hosts, first=1)
    assert [h for h, _ in call.tries] == [hosts[1], hosts[0]]
    assert call.outcome is Outcome.NONE and call.served_by is None
    assert call.fallback[-1] == "Queue(general-enquiry)"


async def test_a_caller_who_hangs_up_ends_the_dialplan(hotline: Hotline) -> None:
    call = await call_hotline([f"127.0.0.1:{hotline.agi_port}"], hangup_after=2)
    assert call.outcome is Outcome.GONE and call.fallback == []
