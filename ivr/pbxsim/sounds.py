"""Sound files as the simulated Asterisk finds them, with the words they speak.

Asterisk opens `<name>.<format>` for any format it knows, relative names under its sounds
directory (language sub-directory first). The IVR's prompt cache writes `<key>.wav` (joined
sentences `<key>.alaw`) with a `<key>.txt` sidecar holding the spoken text; that text is what
the simulated caller "hears".
"""

from __future__ import annotations

import contextlib
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

AUDIO_FORMATS = (".wav", ".wav16", ".gsm", ".ulaw", ".alaw", ".sln", ".sln16", ".g722", ".g729")
# Raw formats as Asterisk's format_pcm and format_sln read them.
BYTES_PER_SECOND = {".alaw": 8000, ".ulaw": 8000, ".sln": 16000, ".sln16": 32000}
SAMPLE_RATE = 8000  # endpos counts 8 kHz samples for the narrowband formats used here
SECONDS_PER_CHAR = 0.15  # speaking-time estimate when the audio length cannot be read


@dataclass(frozen=True)
class Sound:
    name: str
    text: str
    seconds: float

    @property
    def samples(self) -> int:
        return int(self.seconds * SAMPLE_RATE)


class SoundLibrary:
    """Looks sounds up like Asterisk; `virtual` maps names to texts for tests without files."""

    def __init__(
        self, root: Path | None = None, virtual: Mapping[str, str] | None = None
    ) -> None:
        self.root = root
        self.virtual = dict(virtual or {})

    def find(self, name: str, language: str) -> Sound | None:
        if name in self.virtual:
            text = self.virtual[name]
            return Sound(name, text, _estimate(text))
        for base in self._candidates(name, language):
            for fmt in AUDIO_FORMATS:
                audio = base.with_name(base.name + fmt)
                if audio.is_file():
                    return _load(name, base, audio)
        return None

    def _candidates(self, name: str, language: str) -> list[Path]:
        path = Path(name)
        if path.is_absolute():
            return [path]
        if self.root is None:
            return []
        return [self.root / language / path, self.root / path]


def _load(name: str, base: Path, audio: Path) -> Sound:
    sidecar = base.with_name(base.name + ".txt")
    try:
        text = sidecar.read_text(encoding="utf-8").strip()
    except OSError:
        text = f"[{base.name}]"
    seconds = _estimate(text)
    if audio.suffix == ".wav":
        try:
            with wave.open(str(audio), "rb") as wav:
                seconds = wav.getnframes() / wav.getframerate()
        except (OSError, wave.Error, EOFError):
            pass
    elif audio.suffix in BYTES_PER_SECOND:  # headerless: the length is in the size
        with contextlib.suppress(OSError):
            seconds = audio.stat().st_size / BYTES_PER_SECOND[audio.suffix]
    return Sound(name, text, seconds)


def _estimate(text: str) -> float:
    return max(0.5, len(text) * SECONDS_PER_CHAR)
