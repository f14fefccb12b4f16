"""The simulator's AMD decides as app_amd.c does: the same parameters (amd.conf, then the
application's arguments), the same checks in the same order, the same AMDSTATUS/AMDCAUSE.
Expected causes are worked out by hand from app_amd.c's loop over 20 ms frames."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.pbxsim.amd import (
    AmdParams,
    CalleeAudio,
    Segment,
    detect,
    person_saying_hello,
    recorded_greeting,
)
from ivr.pbxsim.memory_channel import MemoryChannel

ASTERISK_CONF = Path(__file__).resolve().parents[2] / "asterisk-conf" / "amd.conf"


def _audio(*parts: tuple[str, int], then_silence: bool = True) -> CalleeAudio:
    return CalleeAudio(tuple(Segment(kind, ms) for kind, ms in parts),  # type: ignore[arg-type]
                       then_silence=then_silence)


def test_the_shipped_amd_conf_holds_app_amd_defaults() -> None:
    assert AmdParams.from_conf(ASTERISK_CONF) == AmdParams()
    assert AmdParams() == AmdParams(2500, 1500, 800, 5000, 100, 50, 2, 256, 5000)


def test_arguments_override_in_app_amd_order_and_empty_ones_keep_the_default() -> None:
    params = AmdParams().with_args("2000,,900,4000,,,3,,1200,beep")
    assert params == AmdParams(2000, 1500, 900, 4000, 100, 50, 3, 256, 1200)
    assert AmdParams().with_args("abc,12x") == AmdParams(initial_silence=0, greeting=12)


def test_a_person_says_hello_then_waits() -> None:
    # 300 ms silence, a 600 ms hello (a word after a pause: the greeting starts), then the
    # 800 ms of silence after a greeting make it a person: 300 + 600 + 800 ms listened to.
    result = detect(AmdParams(), person_saying_hello())
    assert (result.status, result.cause, result.ms) == ("HUMAN", "HUMAN-800-800", 1700)


def test_a_recorded_greeting_has_too_many_words() -> None:
    # 200 ms silence, then 400 ms words with 120 ms pauses: the third word is counted 100 ms
    # into it (200 + 400 + 120 + 400 + 120 + 100 = 1340).
    result = detect(AmdParams(), recorded_greeting())
    assert (result.status, result.cause, result.ms) == ("MACHINE", "MAXWORDS-3-2", 1340)


def test_one_long_greeting_without_pauses() -> None:
    # Voice from the first frame is not a counted word (the state starts "in a word"); the
    # greeting starts at 100 ms of voice and is too long at 1500.
    result = detect(AmdParams(), _audio(("voice", 4000)))
    assert (result.status, result.cause, result.ms) == ("MACHINE", "LONGGREETING-1500-1500",
                                                        1500)


def test_silence_on_answer_is_a_machine_waiting_to_record() -> None:
    result = detect(AmdParams(), _audio(("silence", 200)))
    assert (result.status, result.cause) == ("MACHINE", "INITIALSILENCE-2500-2500")


def test_quiet_noise_under_the_threshold_is_silence() -> None:
    quiet = CalleeAudio((Segment("voice", 3000, level=200),))
    assert detect(AmdParams(), quiet).cause == "INITIALSILENCE-2500-2500"
    heard = AmdParams().with_args(",,,,,,,150")  # silenceThreshold 150: now it is voice
    assert detect(heard, quiet).cause == "LONGGREETING-1500-1500"


def test_undecided_within_the_analysis_time_is_not_sure() -> None:
    # Short words 700 ms apart (under the 800 ms that make a person) with a greeting allowed
    # 10 s and 100 words: nothing decides before the 5000 ms total.
    params = AmdParams().with_args("2500,10000,800,5000,100,50,100")
    audio = _audio(*[part for _ in range(10) for part in (("voice", 100), ("silence", 700))])
    result = detect(params, audio)
    assert (result.status, result.cause, result.ms) == ("NOTSURE", "TOOLONG-5000", 5000)


def test_one_utterance_longer_than_the_maximum_word() -> None:
    params = AmdParams().with_args("2500,10000,800,5000,100,50,2,256,1000")
    result = detect(params, _audio(("silence", 100), ("voice", 3000)))
    assert (result.status, result.cause) == ("MACHINE", "MAXWORDLENGTH-1000")


@pytest.mark.parametrize("audio", [_audio(then_silence=False),
                                   _audio(("voice", 300), then_silence=False)])
def test_the_line_dropping_is_a_hangup(audio: CalleeAudio) -> None:
    assert (detect(AmdParams(), audio).status, detect(AmdParams(), audio).cause) == ("HANGUP", "")


async def test_the_in_memory_channel_runs_the_same_detection() -> None:
    channel = MemoryChannel()
    assert await channel.exec("AMD") == 0
    assert (channel.variables["AMDSTATUS"], channel.variables["AMDCAUSE"]) == (
        "HUMAN", "HUMAN-800-800")
    assert await channel.exec("AMD", "2500", "1500", "500") == 0  # afterGreetingSilence 500
    assert channel.variables["AMDCAUSE"] == "HUMAN-500-500"
