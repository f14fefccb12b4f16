"""ANSWER, HANGUP, NOOP and VERBOSE as res_agi's `handle_answer`, `handle_hangup`, `handle_noop`
and `handle_verbose` answer them. A handler returns None for RESULT_SHOWUSAGE (520)."""

from __future__ import annotations

from ivr.agi.codec import format_ok
from ivr.pbxsim.channel import SimChannel
from ivr.pbxsim.transcript import EndReason


async def answer(channel: SimChannel, argv: list[str]) -> str:
    if not channel.answered:
        channel.answered = True
        channel.transcript.answered = True
    return format_ok(0)


async def noop(channel: SimChannel, argv: list[str]) -> str:
    return format_ok(0)


async def verbose(channel: SimChannel, argv: list[str]) -> str | None:
    if len(argv) < 2:
        return None
    return format_ok(1)


async def hangup(channel: SimChannel, argv: list[str]) -> str | None:
    if len(argv) > 2:
        return None
    if len(argv) == 2 and argv[1] != channel.channel_name:
        return format_ok(-1)  # no channel of that name
    channel.hang_up(EndReason.IVR_HUNG_UP)
    return format_ok(1)
