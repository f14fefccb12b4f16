"""Command by command, `MemoryChannel` answers as `AgiChannel` does over the PBX simulator.

Each case runs the same steps with the same caller script on both channels: the results (or
the exception each step raises) and the AGI command lines sent must be identical.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ivr.agi.codec import format_command
from ivr.agi.server import start_agi_server
from ivr.agi.session import AgiChannel
from ivr.channel import Channel
from ivr.pbxsim import DEFAULT_APPLICATIONS, ExecBehaviour, PbxConfig, simulate_call
from ivr.pbxsim.memory_channel import MemoryChannel, queue_returns
from ivr.pbxsim.sounds import SoundLibrary

Step = Callable[[Channel, Path], Awaitable[object]]
PROMPT = "prompt-1"  # a sound both sides can play; anything else is missing
CALLER = "+8613800138000"


@dataclass(frozen=True)
class Case:
    responses: Sequence[str]
    steps: Sequence[Step]
    hangup_after: int | None = None
    applications: Mapping[str, ExecBehaviour] = field(default_factory=dict)


def rec(escape: str, timeout_ms: int, silence: int | None, beep: bool = False) -> Step:
    return lambda c, d: c.record_file(str(d / "answer"), "wav", escape, timeout_ms, silence, beep)


CASES: dict[str, Case] = {
    "keys_typed_ahead": Case(["12345", "6#"], [
        lambda c, d: c.get_data(PROMPT, 3000, 3),
        lambda c, d: c.wait_for_digit(1000),
        lambda c, d: c.get_data(PROMPT, 3000, 5),
        lambda c, d: c.get_data(PROMPT, 3000, 5),
    ]),
    "keys_slower_than_the_wait_between_keys": Case(["123"], [
        lambda c, d: c.get_data(PROMPT, 200, 4),
        lambda c, d: c.wait_for_digit(1000),
        lambda c, d: c.get_data(PROMPT, 1000, 4),
    ]),
    "hash_after_a_full_entry": Case(["123#", "9"], [
        lambda c, d: c.get_data(PROMPT, 1000, 3),
        lambda c, d: c.wait_for_digit(1000),
    ]),
    "escape_digits_and_script_end": Case(["5", "1"], [
        lambda c, d: c.stream_file(PROMPT, "123"),
        lambda c, d: c.wait_for_digit(1000),
        lambda c, d: c.stream_file(PROMPT, "1"),
        lambda c, d: c.stream_file(PROMPT, ""),
        lambda c, d: c.get_data(PROMPT, 1000, 2),  # the script is over: the caller hangs up
        lambda c, d: c.set_variable("A", "1"),
        lambda c, d: c.hangup(),
    ]),
    "silence": Case(["", "", "7"], [
        lambda c, d: c.wait_for_digit(500),
        lambda c, d: c.wait_for_digit(0),
        lambda c, d: c.get_data(PROMPT, 1000, 4),
        lambda c, d: c.stream_file(PROMPT, "789"),
    ]),
    "recordings": Case(["", "5", "", "555", "h"], [
        rec("5", 8000, 1),
        rec("5", 8000, 2, beep=True),
        rec("", 3000, None),
        rec("", 8000, 1),  # one key read before the silence ends it, two left for later
        lambda c, d: c.wait_for_digit(1000),
        rec("#", 3000, None),
        lambda c, d: c.verbose("after"),
    ]),
    "variables_and_applications": Case([], [
        lambda c, d: c.answer(),
        lambda c, d: c.set_variable("IVR_A", "x y"),
        lambda c, d: c.get_variable("IVR_A"),
        lambda c, d: c.get_variable("NOPE"),
        lambda c, d: c.get_variable("CALLERID(num)"),
        lambda c, d: c.exec("Queue", "general-enquiry"),
        lambda c, d: c.get_variable("QUEUESTATUS"),
        lambda c, d: c.exec("Set", "B=2"),
        lambda c, d: c.get_variable("B"),
        lambda c, d: c.exec("NoSuchApp"),
        lambda c, d: c.verbose("still here", 2),
        lambda c, d: c.exec("Dial", "PJSIP/+8613911112222@carrier", "15"),
        lambda c, d: c.get_variable("DIALSTATUS"),  # the conversation ended the call
        lambda c, d: c.answer(),
        lambda c, d: c.hangup(),
    ], applications={"queue": queue_returns("TIMEOUT")}),
    "refused_arguments_and_missing_files": Case(["1"], [
        lambda c, d: c.stream_file(PROMPT, "x"),
        lambda c, d: c.set_variable("bad name", "1"),
        lambda c, d: c.exec("Bad App"),
        lambda c, d: c.exec("Dial", "a,b"),
        lambda c, d: c.get_data(PROMPT, 1000, 0),
        lambda c, d: c.record_file(str(d / "x"), "WAV"),
        lambda c, d: c.stream_file("missing", "1"),
        lambda c, d: c.get_data("missing", 1000, 1),
        lambda c, d: c.stream_file(PROMPT, "1"),  # still up, and the key still pending
    ]),
    "caller_gone_after_the_second_command": Case([], [
        lambda c, d: c.answer(),
        lambda c, d: c.stream_file(PROMPT, ""),
        lambda c, d: c.set_variable("A", "1"),
        lambda c, d: c.stream_file(PROMPT, ""),
        lambda c, d: c.hangup(),
    ], hangup_after=2),
}


async def run_steps(channel: Channel, steps: Sequence[Step], directory: Path) -> list[object]:
    """Each step's result, or the name of the exception it raised."""
    results: list[object] = []
    for step in steps:
        try:
            results.append(await step(channel, directory))
        except Exception as exc:
            results.append(type(exc).__name__)
    return results


async def over_fastagi(case: Case, directory: Path) -> tuple[list[object], list[str]]:
    results: list[object] = []

    async def handler(channel: AgiChannel) -> None:
        results.extend(await run_steps(channel, case.steps, directory))
        await channel.hangup()  # as the call runner ends every call

    server = await start_agi_server(handler, "127.0.0.1", 0)
    try:
        applications = dict(DEFAULT_APPLICATIONS) | dict(case.applications)
        config = PbxConfig(sounds=SoundLibrary(virtual={PROMPT: "请按键"}),
                           applications=applications)
        transcript = await simulate_call("127.0.0.1", server.port, caller=CALLER,
                                         responses=case.responses, config=config,
                                         hangup_after=case.hangup_after)
    finally:
        await server.close(grace=1.0)
    return results, [x.command for x in transcript.exchanges]


@pytest.mark.parametrize("name", sorted(CASES))
async def test_same_results_and_commands(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    (tmp_path / "real").mkdir()
    real, real_lines = await over_fastagi(case, tmp_path / "real")

    memory = MemoryChannel(case.responses, caller=CALLER, unplayable=["missing"],
                           hangup_after=case.hangup_after, applications=case.applications)
    fake = await run_steps(memory, case.steps, tmp_path / "real")
    await memory.hangup()
    fake_lines = [format_command(c.verb, *c.args).decode().removesuffix("\n")
                  for c in memory.commands]

    assert fake == real
    assert fake_lines == real_lines
    assert len(real) == len(case.steps)
