"""Answering-machine detection as Asterisk's app_amd.c (Asterisk 22) decides it, run over the
callee's scripted audio instead of RTP frames.

The callee's audio after answering is a list of segments (voice at a level, or silence),
cut into 20 ms frames of signed linear audio as the channel would deliver them. Each frame
goes through the same state machine as `isAnsweringMachine()`: the silence detector (a frame
whose average level is under `silence_threshold` is silence; `ast_dsp_silence` reports the
silence so far), words (voice of at least `min_word_length` after at least
`between_words_silence` of silence; the state starts "in a word", so voice at the very start
counts as a word only after a pause), and the same checks in the same order, with the same
AMDSTATUS and AMDCAUSE strings. When the audio ends the callee has hung up (HANGUP) unless the
script says the line stays open (silence then follows).
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Literal

FRAME_MS = 20  # 160 samples at 8 kHz (DEFAULT_SAMPLES_PER_MS 8)


@dataclass(frozen=True)
class AmdParams:
    """app_amd.c's defaults (`dflt...`), which are also configs/samples/amd.conf.sample's."""

    initial_silence: int = 2500
    greeting: int = 1500
    after_greeting_silence: int = 800
    total_analysis_time: int = 5000
    min_word_length: int = 100
    between_words_silence: int = 50
    maximum_number_of_words: int = 2
    silence_threshold: int = 256
    maximum_word_length: int = 5000

    @classmethod
    def from_conf(cls, path: Path) -> AmdParams:
        """The [general] section of an amd.conf (other keys, such as playback_file, ignored)."""
        parser = configparser.ConfigParser(inline_comment_prefixes=(";",),
                                           comment_prefixes=(";",))
        parser.read_string(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        values = {key: int(value) for key, value in parser["general"].items()
                  if key in known}
        return cls(**values)

    def with_args(self, args: str) -> AmdParams:
        """AMD([initialSilence][,greeting][,afterGreetingSilence][,totalAnalysisTime]
        [,minimumWordLength][,betweenWordsSilence][,maximumNumberOfWords]
        [,silenceThreshold][,maximumWordLength][,audioFile]): empty ones keep the default."""
        order = ("initial_silence", "greeting", "after_greeting_silence",
                 "total_analysis_time", "min_word_length", "between_words_silence",
                 "maximum_number_of_words", "silence_threshold", "maximum_word_length")
        parts = args.split(",") if args else []
        given = {name: _atoi(value) for name, value in zip(order, parts, strict=False)
                 if value.strip()}
        return replace(self, **given)


def _atoi(text: str) -> int:
    """C's atoi: leading digits (with a sign), 0 when there are none."""
    text = text.strip()
    end = 1 if text[:1] in "+-" else 0
    while end < len(text) and text[end].isdigit():
        end += 1
    try:
        return int(text[:end])
    except ValueError:
        return 0


@dataclass(frozen=True)
class Segment:
    kind: Literal["voice", "silence"]
    ms: int
    level: int = 2000  # average absolute sample value of voice (0-32767)


@dataclass(frozen=True)
class CalleeAudio:
    """What the answering side sends after it answers."""

    segments: tuple[Segment, ...]
    then_silence: bool = True  # False: the line drops when the segments end


def person_saying_hello() -> CalleeAudio:
    """A person picks up: a short pause, "喂，你好" (about 0.6 s), then waits for the caller."""
    return CalleeAudio((Segment("silence", 300), Segment("voice", 600)))


def recorded_greeting() -> CalleeAudio:
    """A voicemail greeting: sentences of speech with short pauses between the words."""
    words = []
    for _ in range(12):
        words += [Segment("voice", 400), Segment("silence", 120)]
    return CalleeAudio((Segment("silence", 200), *words, Segment("silence", 1500)))


@dataclass(frozen=True)
class AmdResult:
    status: str  # MACHINE, HUMAN, NOTSURE, HANGUP
    cause: str
    ms: int  # audio time the detection listened to


def _frames(audio: CalleeAudio) -> list[tuple[int, int]]:
    """(length ms, average level) per frame; silence segments are level 0."""
    out: list[tuple[int, int]] = []
    for segment in audio.segments:
        level = segment.level if segment.kind == "voice" else 0
        full, rest = divmod(segment.ms, FRAME_MS)
        out += [(FRAME_MS, level)] * full + ([(rest, level)] if rest else [])
    return out


def detect(params: AmdParams, audio: CalleeAudio) -> AmdResult:  # noqa: C901
    """`isAnsweringMachine()` over the callee's frames (names as in app_amd.c)."""
    frames = _frames(audio)
    in_initial_silence, in_greeting = True, False
    voice_duration = silence_duration = total = words = consecutive_voice = 0
    in_word = True  # currentState = STATE_IN_WORD
    dsp_silence = 0  # the silence detector's running total (ast_dsp_silence)
    index = 0
    while True:
        if index < len(frames):
            framelength, level = frames[index]
            index += 1
        elif audio.then_silence:
            framelength, level = FRAME_MS, 0
        else:
            return AmdResult("HANGUP", "", total)
        total += framelength
        if total >= params.total_analysis_time:
            return AmdResult("NOTSURE", f"TOOLONG-{total}", total)
        if level < params.silence_threshold:  # the silence detector: a quiet frame
            dsp_silence += framelength
            silence_duration = dsp_silence
            if silence_duration >= params.between_words_silence:
                in_word = False
                consecutive_voice = 0
            if in_initial_silence and silence_duration >= params.initial_silence:
                return AmdResult("MACHINE", f"INITIALSILENCE-{silence_duration}-"
                                 f"{params.initial_silence}", total)
            if silence_duration >= params.after_greeting_silence and in_greeting:
                return AmdResult("HUMAN", f"HUMAN-{silence_duration}-"
                                 f"{params.after_greeting_silence}", total)
            continue
        dsp_silence = 0
        consecutive_voice += framelength
        voice_duration += framelength
        if consecutive_voice >= params.min_word_length and not in_word:
            words += 1
            in_word = True
        if consecutive_voice >= params.maximum_word_length:
            return AmdResult("MACHINE", f"MAXWORDLENGTH-{consecutive_voice}", total)
        if words > params.maximum_number_of_words:
            return AmdResult("MACHINE", f"MAXWORDS-{words}-{params.maximum_number_of_words}",
                             total)
        if in_greeting and voice_duration >= params.greeting:
            return AmdResult("MACHINE", f"LONGGREETING-{voice_duration}-{params.greeting}",
                             total)
        if voice_duration >= params.min_word_length:
            silence_duration = 0
        if consecutive_voice >= params.min_word_length and not in_greeting:
            in_initial_silence, in_greeting = False, True
