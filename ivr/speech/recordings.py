"""Studio recordings that replace the synthesized voice for fixed prompts.

A supervisor drops `prompts/recordings/<language>/<prompt key>.wav` (PCM WAV, mono, any sample
rate) beside the prompt texts. `ivr prompts build` (and `ivr serve` at start and on reload)
converts it with sox into the files the cache holds for Asterisk — 8 kHz `.wav` and 16 kHz
`.wav16`, 16-bit mono, normalised to -3 dBFS like the synthesized prompts — and from then on
that prompt is played from the recording. Prompts with `{values}` keep the synthesized voice:
the values change from call to call. `ivr flows check` reports a recording in the wrong format
or named for a prompt that does not exist (or has values) as `file: problem`.
"""

from __future__ import annotations

import hashlib
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ivr.db.enums import Language
from ivr.speech.quality import PEAK_FLOOR_DBFS, RMS_FLOOR_DBFS, AudioLevels

RECORDINGS_DIR = "recordings"
MIN_RECORDING_S = 0.3


@dataclass(frozen=True)
class RecordingProblem:
    path: Path
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


def recordings_root(prompts_dir: Path) -> Path:
    return prompts_dir / RECORDINGS_DIR


def find_recordings(prompts_dir: Path) -> dict[tuple[str, str], Path]:
    """{(language, prompt key): file} for every `recordings/<language>/<key>.wav` (blocking)."""
    root = recordings_root(prompts_dir)
    found: dict[tuple[str, str], Path] = {}
    if not root.is_dir():
        return found
    for language in Language:
        folder = root / language.value
        if folder.is_dir():
            for path in sorted(folder.glob("*.wav")):
                found[(language.value, path.stem)] = path
    return found


def format_problem(path: Path) -> str | None:
    """What is wrong with the file's format, or None: PCM WAV, mono, at least 0.3 s."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, rate, frames = wav.getnchannels(), wav.getframerate(), wav.getnframes()
    except (wave.Error, EOFError, OSError) as exc:
        return f"not a PCM WAV file ({exc})"
    if channels != 1:
        return f"{channels} channels: a prompt recording must be mono"
    if rate < 8000:
        return f"sampled at {rate} Hz: at least 8000 Hz is needed"
    if frames / rate < MIN_RECORDING_S:
        return f"{frames / rate:.2f} s long: too short to be a prompt"
    return None


def level_problem(levels: AudioLevels) -> str | None:
    """A converted recording that is silent or cut to nothing."""
    if levels.seconds < MIN_RECORDING_S:
        return f"{levels.seconds:.2f} s of audio after conversion"
    if levels.rms_dbfs < RMS_FLOOR_DBFS or levels.peak_dbfs < PEAK_FLOOR_DBFS:
        return f"silent: level {levels.rms_dbfs:.1f} dBFS RMS, {levels.peak_dbfs:.1f} dBFS peak"
    return None


def check_recordings(
    prompts_dir: Path, static_keys: Mapping[str, set[str]], dynamic_keys: Mapping[str, set[str]]
) -> list[RecordingProblem]:
    """Every recording problem under `prompts/recordings/` (blocking)."""
    root = recordings_root(prompts_dir)
    if not root.is_dir():
        return []
    problems: list[RecordingProblem] = []
    languages = {lang.value for lang in Language}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir() or entry.name not in languages:
            problems.append(RecordingProblem(
                entry, f"not a language folder (expected {', '.join(sorted(languages))})"))
            continue
        for path in sorted(entry.iterdir()):
            if path.name.startswith("."):
                continue
            if path.suffix != ".wav":
                problems.append(RecordingProblem(path, "not a .wav file"))
            elif path.stem in dynamic_keys.get(entry.name, set()):
                problems.append(RecordingProblem(
                    path, f"prompt '{path.stem}' has values read during the call; it keeps "
                    "the synthesized voice"))
            elif path.stem not in static_keys.get(entry.name, set()):
                problems.append(RecordingProblem(
                    path, f"no prompt '{path.stem}' in {entry.name}.yaml"))
            elif (problem := format_problem(path)) is not None:
                problems.append(RecordingProblem(path, problem))
    return problems


def recording_key(path: Path, language: str, name: str, pipeline: str) -> str:
    """The cache name of a converted recording: changes with the file's content."""
    digest = hashlib.sha256(f"{pipeline}\0{language}\0{name}\0".encode())
    digest.update(path.read_bytes())
    return "rec-" + digest.hexdigest()[:28]
