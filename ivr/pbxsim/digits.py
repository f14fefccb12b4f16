"""GET DATA and WAIT FOR DIGIT: the commands that listen for keys, as res_agi's
`handle_getdata` (`ast_app_getdata_full`, `ast_readstring_full`) and `handle_waitfordigit`
answer them. A speaking caller is not heard here; a handler returns None for
RESULT_SHOWUSAGE (520)."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.agi.codec import format_ok
from ivr.pbxsim.caller import Response
from ivr.pbxsim.channel import SimChannel
from ivr.pbxsim.scan import atoi, scan_int
from ivr.pbxsim.transcript import Heard, KeysPressed


async def wait_for_digit(channel: SimChannel, argv: list[str]) -> str | None:
    if len(argv) != 4:
        return None
    timeout_ms = scan_int(argv[3])
    if timeout_ms is None:
        return None
    if timeout_ms == 0:
        return format_ok(0)
    config, clock = channel.config, channel.clock
    response = await channel.caller.peek()
    if response.kind == "keys":
        digit = channel.caller.take_digits(1)
        await clock.advance(config.reaction_seconds)
        channel.record(KeysPressed(clock.now, digit, "WAIT FOR DIGIT"))
        return format_ok(ord(digit))
    channel.caller.take()
    channel.unheard(response, "WAIT FOR DIGIT")
    if response.kind == "hangup":
        await clock.advance(config.reaction_seconds)
        channel.caller_gone("WAIT FOR DIGIT")
        return format_ok(-1)
    if timeout_ms < 0:  # Asterisk would wait for ever; the silent caller gives up
        await clock.advance(config.patience_seconds)
        channel.caller_gone("WAIT FOR DIGIT (no timeout)")
        return format_ok(-1)
    await clock.advance(timeout_ms / 1000)
    return format_ok(0)


@dataclass(frozen=True)
class _Entry:
    """One GET DATA: its prompt as it plays, and the limits it collects keys within."""

    playing: int | None  # the prompt's Heard event; None when there is no prompt
    prompt_seconds: float
    timeout: int  # as given: 0 for Asterisk's defaults, negative to wait for ever
    max_digits: int

    @property
    def first_ms(self) -> int:
        """ast_app_getdata_full: 6 s for the first key unless told."""
        return 6000 if self.timeout == 0 else self.timeout

    @property
    def next_ms(self) -> int:
        """ast_app_getdata_full: 2 s between keys unless told."""
        return 2000 if self.timeout == 0 else self.timeout


async def get_data(channel: SimChannel, argv: list[str]) -> str | None:
    if len(argv) < 3:
        return None
    timeout = atoi(argv[3]) if len(argv) >= 4 else 0
    max_digits = atoi(argv[4]) if len(argv) >= 5 else 1024
    filename = argv[2]
    sound = channel.config.sounds.find(filename, channel.config.language) if filename else None
    if filename and sound is None:
        channel.record(Heard(channel.clock.now, filename, None))
        return format_ok(-1)
    if max_digits <= 0:
        return format_ok(-1)  # ast_readstring_full refuses a zero-length buffer
    playing = None
    if sound is not None:
        playing = channel.playing(Heard(channel.clock.now, filename, sound.text))
    entry = _Entry(playing, sound.seconds if sound else 0.0, timeout, max_digits)
    response = await channel.caller.peek()
    if response.kind == "hangup":
        return await _hangs_up(channel, entry)
    if response.kind == "silence" or response.spoken:
        return await _no_keys(channel, entry, response)
    return await _collect(channel, entry, response)


async def _hangs_up(channel: SimChannel, entry: _Entry) -> str:
    channel.caller.take()
    channel.played(entry.playing, hung_up=True)
    await channel.clock.advance(
        min(channel.config.reaction_seconds, entry.prompt_seconds or 1.0)
    )
    channel.caller_gone("GET DATA")
    return format_ok(-1)


async def _no_keys(channel: SimChannel, entry: _Entry, response: Response) -> str:
    """Silence, or words GET DATA does not hear: the prompt plays out and the wait runs."""
    channel.caller.take()
    channel.played(entry.playing)
    channel.unheard(response, "GET DATA")
    if entry.timeout < 0:  # Asterisk would wait for ever; the silent caller gives up
        await channel.clock.advance(entry.prompt_seconds + channel.config.patience_seconds)
        channel.caller_gone("GET DATA (no timeout)")
        return format_ok(-1)
    await channel.clock.advance(entry.prompt_seconds + entry.first_ms / 1000)
    return format_ok("", "timeout")


async def _collect(channel: SimChannel, entry: _Entry, response: Response) -> str:
    """Keys: the first one stops the prompt (any digit does, in GET DATA), the rest follow."""
    config = channel.config
    channel.played(entry.playing, interrupted_by=response.digits[0])
    await channel.clock.advance(min(config.reaction_seconds, entry.prompt_seconds))
    collected = ""
    for used, digit in enumerate(response.digits, start=1):
        if used > 1:
            if config.digit_interval * 1000 >= entry.next_ms:
                return await _timed_out(channel, collected, used - 1, entry.next_ms / 1000)
            await channel.clock.advance(config.digit_interval)
        if digit == "#":  # `#` ends the entry and is not returned
            _took(channel, used, collected + "#")
            return format_ok(collected)
        collected += digit
        if len(collected) >= entry.max_digits:
            # A `#` keyed straight after a full entry lands after Asterisk stopped
            # collecting and is dropped, so it is not kept for the next command.
            rest = response.digits[used:]
            _took(channel, used + (rest == "#"), collected + ("#" if rest == "#" else ""))
            return format_ok(collected)
    return await _timed_out(channel, collected, len(response.digits), entry.next_ms / 1000)


async def _timed_out(channel: SimChannel, collected: str, used: int, wait: float) -> str:
    await channel.clock.advance(wait)
    _took(channel, used, collected)
    return format_ok(collected, "timeout")


def _took(channel: SimChannel, count: int, shown: str) -> None:
    channel.caller.take_digits(count)
    channel.keys(shown, "GET DATA")
