"""Is a rendered prompt fit to be heard? Length against the words, level against a floor.

espeak-ng under pyttsx3 now and then writes a WAV header and no samples, or stops early. Every
rendering is measured before it is cached or played: its duration must fall within generous
bounds of what the text should take in its language, and its RMS and peak level must clear a
floor. The measurements are plain reads of 16-bit PCM WAV files (blocking: callers on the event
loop run them in a thread).
"""

from __future__ import annotations

import math
import unicodedata
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ivr.db.enums import Language
from ivr.speech.g711 import pcm16_from_alaw
from ivr.speech.languages import SPEECH_LANGUAGES

# Seconds per spoken unit at the hotline's rate (150 wpm), measured on the prompts of both
# languages: a Han character is one syllable (~0.3 s); letters and digits per language are in
# ivr/speech/languages.py (English runs ~13 letters a second).
SECONDS_PER_HAN = 0.28
MIN_SHARE = 0.5  # shorter than half the estimate: clipped (or nothing at all)
MAX_FACTOR = 3.0  # longer than three times the estimate plus slack: the engine ran away
MAX_SLACK_S = 2.0
MIN_SECONDS = 0.25  # even one syllable takes this long
RMS_FLOOR_DBFS = -45.0  # whole-file RMS: speech sits near -20 dBFS, silence far below -60
PEAK_FLOOR_DBFS = -30.0


class BadAudio(Exception):
    """A rendering that must not reach a caller; the message says what was measured."""


@dataclass(frozen=True)
class AudioLevels:
    seconds: float
    rate: int
    rms_dbfs: float
    peak_dbfs: float


def _dbfs(value: float) -> float:
    return -120.0 if value <= 0 else 20 * math.log10(value / 32768)


def measure_wav(path: Path) -> AudioLevels:
    """Duration and level of a 16-bit mono or stereo PCM WAV file (any extension)."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise BadAudio(f"{path.name}: {8 * wav.getsampwidth()}-bit samples, not 16-bit")
            rate = wav.getframerate()
            frames = wav.getnframes()
            data = wav.readframes(frames)
    except (wave.Error, EOFError) as exc:
        raise BadAudio(f"{path.name}: not a readable WAV file ({exc})") from None
    # Measured whenever a prompt is published or an old file is checked: in numpy, not
    # sample by sample in Python (20 s of 16 kHz audio took 19 ms that way, 0.2 ms now).
    samples = np.frombuffer(data, dtype="<i2", count=len(data) // 2)  # WAV is little-endian
    return _levels(samples, rate, frames / rate if rate else 0.0)


def measure_audio(path: Path) -> AudioLevels:
    """`measure_wav`, or a raw 8 kHz A-law file's (`.alaw`: a joined sentence) decoded."""
    if path.suffix != ".alaw":
        return measure_wav(path)
    samples = np.frombuffer(pcm16_from_alaw(path.read_bytes()), dtype="<i2")
    return _levels(samples, 8000, samples.size / 8000)


def _levels(samples: np.ndarray, rate: int, seconds: float) -> AudioLevels:
    if not samples.size:
        return AudioLevels(0.0, rate, -120.0, -120.0)
    wide = samples.astype(np.int64)  # integers: exact, and no BLAS threads for a dot product
    square_sum = int(np.dot(wide, wide))
    peak = max(int(samples.max()), -int(samples.min()))
    return AudioLevels(
        seconds=seconds,
        rate=rate,
        rms_dbfs=_dbfs(math.sqrt(square_sum / samples.size)),
        peak_dbfs=_dbfs(peak),
    )


def _language(language: str) -> Language:
    try:
        return Language(language)
    except ValueError:
        return Language.EN_US


def expected_seconds(text: str, language: str) -> float:
    """About how long `text` takes spoken at the hotline's rate (`language` reads the digits)."""
    row = SPEECH_LANGUAGES[_language(language)]
    seconds = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in "WF" and char.isalpha():
            seconds += SECONDS_PER_HAN
        elif char.isdigit():
            seconds += row.seconds_per_digit
        elif char.isalpha():
            seconds += row.seconds_per_latin
    return seconds


def duration_bounds(text: str, language: str) -> tuple[float, float]:
    estimate = expected_seconds(text, language)
    return max(MIN_SECONDS, MIN_SHARE * estimate), MAX_FACTOR * estimate + MAX_SLACK_S


def problem(levels: AudioLevels, text: str, language: str) -> str | None:
    """What is wrong with a rendering of `text`, or None when it is fit to play."""
    low, high = duration_bounds(text, language)
    if levels.seconds < low:
        return f"{levels.seconds:.2f} s of audio, expected at least {low:.2f} s"
    if levels.seconds > high:
        return f"{levels.seconds:.2f} s of audio, expected at most {high:.2f} s"
    if levels.rms_dbfs < RMS_FLOOR_DBFS or levels.peak_dbfs < PEAK_FLOOR_DBFS:
        return (
            f"silent: level {levels.rms_dbfs:.1f} dBFS RMS, {levels.peak_dbfs:.1f} dBFS peak "
            f"(floor {RMS_FLOOR_DBFS:g} / {PEAK_FLOOR_DBFS:g})"
        )
    return None


def check_wav(path: Path, text: str, language: str) -> AudioLevels:
    """Measure `path` (a WAV file, or a joined sentence's `.alaw`) as a rendering of `text`;
    raises `BadAudio` when unfit."""
    levels = measure_audio(path)
    found = problem(levels, text, language)
    if found is not None:
        raise BadAudio(found)
    return levels
