"""RECORD FILE as res_agi's `handle_recordfile` answers it: an optional beep, then recording
until an escape digit, silence, the time limit or a hangup. The file is written as Asterisk's
format module would write it. The handler returns None for RESULT_SHOWUSAGE (520)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ivr.agi.codec import format_ok
from ivr.pbxsim.caller import Response
from ivr.pbxsim.channel import SimChannel, words
from ivr.pbxsim.scan import atoi, scan_int
from ivr.pbxsim.transcript import Heard, Spoke
from ivr.pbxsim.voice import (
    BYTES_PER_MS,
    RECORD_FORMATS,
    VoiceError,
    load_audio,
    read_recording,
    silence,
    speak,
    write_recording,
)

_BEEP_SECONDS = 0.25  # Asterisk's core sounds always include beep
_FRAME_MS = 20
_FRAME_BYTES = _FRAME_MS * BYTES_PER_MS


@dataclass(frozen=True)
class _RecordingPlan:
    response: Response
    voice: bytes  # what the caller said, from the start of the recording
    end_ms: float
    how: str  # dtmf, silence, timeout or hangup
    pressed: str  # keys read during the recording; the last one ended it when how is dtmf
    rewind_ms: float


async def record_file(channel: SimChannel, argv: list[str]) -> str | None:
    if len(argv) < 6:
        return None
    timeout_ms = scan_int(argv[5])
    if timeout_ms is None:
        return None
    filename, fmt, escape = argv[2], argv[3], argv[4]
    silence_ms = _silence_option(argv)
    offset = scan_int(argv[6]) if len(argv) > 6 else None
    # Its backward-compatible reading: a 7th word that is neither an offset nor s=N, or
    # any 8th word that is not s=N, asks for a beep.
    beep = (len(argv) > 6 and offset is None and not argv[6].startswith("s=")) or (
        len(argv) > 7 and not argv[7].startswith("s=")
    )
    if beep:
        await _beep(channel)
    path = _recording_path(channel, filename, fmt)
    keep = b""
    try:
        if path is None:
            raise OSError("no format module or no directory for it")
        if offset:  # seek into what is there, never past its end, and record from there
            keep = read_recording(path, fmt)[: max(offset, 0) * 2]
        path.touch()  # ast_writefile opens it with O_CREAT before recording starts
    except OSError:
        return format_ok(-1, "writefile")
    started = channel.clock.now
    plan = await _recording_plan(channel, timeout_ms, silence_ms, escape)
    await channel.clock.advance(plan.end_ms / 1000)
    kept_ms = max(0.0, plan.end_ms - plan.rewind_ms)
    audio = (plan.voice + silence(kept_ms))[: int(kept_ms) * BYTES_PER_MS]
    try:
        endpos = await write_recording(path, fmt, audio, keep)
    except (OSError, VoiceError):
        return format_ok(-1, "writefile")
    if not channel.config.recordings_shared:
        path.unlink(missing_ok=True)
    spoken = words(plan.response) if plan.response.spoken else None
    channel.record(Spoke(started, spoken, "RECORD FILE", str(path), kept_ms / 1000))
    channel.keys(plan.pressed, "RECORD FILE")
    if plan.how == "dtmf":
        return format_ok(ord(plan.pressed[-1]), "dtmf", endpos)
    if plan.how == "hangup":
        channel.caller_gone("RECORD FILE")
        return format_ok(-1, "hangup", endpos)
    if plan.how == "silence":
        # `result` is what was left of the frame wait that ended in silence: the time
        # remaining, or of a fresh 100 s wait when there is no time limit.
        left = timeout_ms - plan.end_ms if timeout_ms >= 0 else 100_000 - _FRAME_MS
        return format_ok(max(int(left), 1), "timeout", endpos)
    return format_ok(0, "timeout", endpos)


async def _beep(channel: SimChannel) -> None:
    sound = channel.config.sounds.find("beep", channel.config.language)
    channel.record(Heard(channel.clock.now, "beep", sound.text if sound else "(beep)"))
    await channel.clock.advance(sound.seconds if sound else _BEEP_SECONDS)


def _silence_option(argv: list[str]) -> int:
    """`s=N` among words 7-9 as handle_recordfile finds it (the first word holding an `s`),
    in milliseconds; 0 when absent."""
    found = next((w[w.index("s"):] for w in argv[6:9] if "s" in w), None)
    if found is None or len(found) <= 2 or not found.startswith("s="):
        return 0
    return max(atoi(found[2:]), 0) * 1000


def _recording_path(channel: SimChannel, filename: str, fmt: str) -> Path | None:
    """Where ast_writefile puts it: absolute names as given, others under the sounds
    directory; None when there is no such format or directory."""
    if fmt not in RECORD_FORMATS or not filename:
        return None
    ext = RECORD_FORMATS[fmt][0]
    base = Path(filename)
    if not base.is_absolute():
        if channel.config.sounds.root is None:
            return None
        base = channel.config.sounds.root / base
    path = base.with_name(f"{base.name}.{ext}")
    return path if path.parent.is_dir() else None


async def _recording_plan(
    channel: SimChannel, timeout_ms: int, silence_ms: int, escape: str
) -> _RecordingPlan:
    """What the caller does while recording and which event ends it first."""
    config = channel.config
    response = await channel.caller.peek()
    voice = b""
    if response.spoken:  # VoiceError (no espeak-ng or sox) ends the simulated call
        voice = silence(config.speech_onset * 1000) + await _voice(response, config.caller_voice)
        voice += bytes(-len(voice) % _FRAME_BYTES)  # Asterisk reads whole 20 ms frames
    voice_end = len(voice) / BYTES_PER_MS
    react = config.reaction_seconds * 1000
    presses: list[float] = []
    if response.kind == "keys":
        presses = [react + i * config.digit_interval * 1000
                   for i in range(len(response.digits))]
    # (time, rank, how): the time limit is checked before each frame is read, so it wins
    # a tie; then silence detection, then a key.
    ends: list[tuple[float, int, str]] = []
    if timeout_ms >= 0:
        ends.append((timeout_ms, 0, "timeout"))
    if silence_ms > 0:
        ends.append((voice_end + silence_ms, 1, "silence"))
    for at, digit in zip(presses, response.digits, strict=True):
        if escape and digit in escape:
            ends.append((at, 2, "dtmf"))
            break
    if response.kind == "hangup":
        ends.append((react, 3, "hangup"))
    if not ends:  # no limit and nothing to stop it: the caller gives up
        ends.append((voice_end + config.patience_seconds * 1000, 3, "hangup"))
    end_ms, _rank, how = min(ends)
    pressed = ""
    if response.kind == "keys":
        # Keys pressed before the end are read (and dropped unless they end it); later
        # ones stay pending for the next command.
        before = sum(1 for at in presses if at < end_ms)
        pressed = channel.caller.take_digits(before + (how == "dtmf"))
    elif how == "hangup" or response.kind != "hangup":
        channel.caller.take()
    # What Asterisk cuts off the end: the 200 ms around a key, or all but 1 s of silence.
    rewind = {"dtmf": 200.0, "silence": max(0.0, silence_ms - 1000.0)}.get(how, 0.0)
    return _RecordingPlan(response, voice, end_ms, how, pressed, rewind)


async def _voice(response: Response, caller_voice: str | None) -> bytes:
    if response.kind == "audio":
        return await load_audio(Path(response.text))
    return await speak(response.text, caller_voice)
