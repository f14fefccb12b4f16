"""How RECORD FILE ends for `MemoryChannel`'s scripted caller: the first of the time limit,
silence, an escape key or a hang-up, timed as the PBX simulator (`ivr.pbxsim.recording`)
times its caller, and how much of it Asterisk keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ivr.pbxsim import PbxConfig, Response

How = Literal["dtmf", "silence", "timeout", "hangup"]


@dataclass(frozen=True)
class RecordingPlan:
    how: How
    end_ms: float  # from the start of the recording
    used: int  # the caller's keys read before it ended (the last one ends it on `dtmf`)
    kept_ms: int  # what is left once Asterisk has cut off the end


def plan_recording(config: PbxConfig, response: Response, escape: str, timeout_ms: int,
                   silence_seconds: int) -> RecordingPlan:
    react = config.reaction_seconds * 1000
    interval = config.digit_interval * 1000
    silence_ms = silence_seconds * 1000
    # Speech is not synthesised here: taken as the simulator's onset and about a second.
    voice_end = config.speech_onset * 1000 + 1000 if response.spoken else 0.0
    digits = response.digits if response.kind == "keys" else ""
    presses = [react + i * interval for i in range(len(digits))]
    ends: list[tuple[float, int, How]] = []  # (ms, rank on a tie, how)
    if timeout_ms >= 0:
        ends.append((timeout_ms, 0, "timeout"))
    if silence_ms > 0:
        ends.append((voice_end + silence_ms, 1, "silence"))
    for at, digit in zip(presses, digits, strict=True):
        if escape and digit in escape:
            ends.append((at, 2, "dtmf"))
            break
    if response.kind == "hangup":
        ends.append((react, 3, "hangup"))
    if not ends:  # no limit and nothing to stop it: the caller gives up
        ends.append((voice_end + config.patience_seconds * 1000, 3, "hangup"))
    end_ms, _rank, how = min(ends)
    used = sum(1 for at in presses if at < end_ms) + (how == "dtmf") if digits else 0
    # Asterisk cuts off the 200 ms around a key, and all but one second of the silence.
    rewind = {"dtmf": 200.0, "silence": max(0.0, silence_ms - 1000.0)}.get(how, 0.0)
    return RecordingPlan(how, end_ms, used, int(max(0.0, end_ms - rewind)))
