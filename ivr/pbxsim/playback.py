"""STREAM FILE as res_agi's `handle_streamfile` answers it: the prompt plays until its end or
until the caller presses one of its escape digits (`ast_waitstream_full`)."""

from __future__ import annotations

from ivr.agi.codec import format_ok
from ivr.pbxsim.channel import SimChannel
from ivr.pbxsim.scan import scan_int
from ivr.pbxsim.sounds import SAMPLE_RATE
from ivr.pbxsim.transcript import Heard, KeysPressed


async def stream_file(channel: SimChannel, argv: list[str]) -> str | None:
    """Returns None for RESULT_SHOWUSAGE (520)."""
    if not 4 <= len(argv) <= 5:
        return None
    offset = 0
    if len(argv) == 5:
        scanned = scan_int(argv[4])
        if scanned is None:
            return None
        offset = scanned
    filename, escape = argv[2], argv[3]
    config, clock = channel.config, channel.clock
    sound = config.sounds.find(filename, config.language)
    if sound is None:
        channel.record(Heard(clock.now, filename, None))
        return format_ok(-1, endpos=offset)
    playing = channel.playing(Heard(clock.now, filename, sound.text))
    remaining = max(0.0, sound.seconds - offset / SAMPLE_RATE)
    response = await channel.caller.peek() if escape else None
    press_at = min(config.reaction_seconds, remaining)
    endpos = offset + int(press_at * SAMPLE_RATE)
    # A hang-up waits for a question (GET DATA, WAIT FOR DIGIT): the caller lets a prompt
    # play out; hanging up mid-prompt is what `hangup_after` is for.
    if response is not None and response.kind == "keys" and response.digits[0] in escape:
        digit = channel.caller.take_digits(1)
        channel.played(playing, interrupted_by=digit)
        await clock.advance(press_at)
        channel.record(KeysPressed(clock.now, digit, "STREAM FILE"))
        return format_ok(ord(digit), endpos=endpos)
    await clock.advance(remaining)
    return format_ok(0, endpos=max(sound.samples, offset))
