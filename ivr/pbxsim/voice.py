"""The simulated caller's voice, and audio files written the way Asterisk's format modules do.

A caller's words are spoken by espeak-ng in a voice and speed unlike the prompts' (so a
recogniser is not tested on the very audio it was tuned with) and brought to telephone audio
with sox: 8 kHz, 16-bit signed, mono. Audio is kept as raw little-endian PCM (`bytes`) in
the simulator; `write_recording` wraps it in the container a RECORD FILE format asks for.
"""

from __future__ import annotations

import asyncio
import re
import wave
from collections import OrderedDict
from pathlib import Path

RATE = 8000
BYTES_PER_MS = RATE * 2 // 1000  # 16-bit mono at 8 kHz
ENGLISH_VOICE = "en-us+m7"
MANDARIN_VOICE = "cmn+m7"
CALLER_SPEED = 170  # words per minute; the prompts are rendered at espeak's default pace

# Format name -> (file extension, sample rate, RIFF header or raw), as Asterisk's format_wav
# and format_sln register them. Other formats are not modelled: RECORD FILE answers as
# Asterisk does when no module for the format is loaded.
RECORD_FORMATS: dict[str, tuple[str, int, bool]] = {
    "wav": ("wav", 8000, True),
    "wav16": ("wav16", 16000, True),
    "sln": ("sln", 8000, False),
    "sln16": ("sln16", 16000, False),
}

_PCM_OUT = ["-t", "raw", "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer",
            "-L", "-"]
# -R: no random dither, so the same words give the same audio and tests repeat exactly.
_SOX_TO_PCM = ["sox", "-R", "-t", "wav", "-", *_PCM_OUT]
_CJK = re.compile(r"[\u3400-\u9fff]")
_CACHE_SIZE = 64
_cache: OrderedDict[tuple[str, str, int], bytes] = OrderedDict()


class VoiceError(RuntimeError):
    """espeak-ng or sox failed, or an audio file could not be read."""


def caller_voice(text: str) -> str:
    """The espeak-ng voice for the caller's words: Mandarin for Chinese text, else English."""
    return MANDARIN_VOICE if _CJK.search(text) else ENGLISH_VOICE


async def speak(text: str, voice: str | None = None, speed: int = CALLER_SPEED) -> bytes:
    """`text` spoken by the caller, as 8 kHz 16-bit mono PCM. Cached: tests repeat phrases."""
    key = (text, voice or caller_voice(text), speed)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    wav = await _run(["espeak-ng", "-v", key[1], "-s", str(speed), "--stdout", "--", text])
    pcm = await _run(_SOX_TO_PCM, wav)
    _cache[key] = pcm
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return pcm


async def load_audio(path: Path) -> bytes:
    """An audio file as 8 kHz 16-bit mono PCM; files already in that shape are not resampled."""
    try:
        with wave.open(str(path), "rb") as wav:
            if (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (RATE, 2, 1):
                return wav.readframes(wav.getnframes())
    except (wave.Error, EOFError):
        pass  # not a plain PCM wav: let sox read it
    except OSError as exc:
        raise VoiceError(f"cannot read {path}: {exc}") from exc
    return await _run(["sox", "-R", str(path), *_PCM_OUT])


def silence(ms: float) -> bytes:
    return bytes(int(ms * RATE / 1000) * 2)


def read_recording(path: Path, fmt: str) -> bytes:
    """A file written by `write_recording`, as PCM at the format's rate ("" when unreadable)."""
    _ext, _rate, riff = RECORD_FORMATS[fmt]
    try:
        if riff:
            with wave.open(str(path), "rb") as wav:
                return wav.readframes(wav.getnframes())
        return path.read_bytes()
    except (OSError, wave.Error, EOFError):
        return b""


async def write_recording(path: Path, fmt: str, pcm_8k: bytes, keep: bytes = b"") -> int:
    """Write `keep` (PCM already in the file, at the format's rate) then `pcm_8k`; returns the
    length in samples of the format. Raises OSError when the file cannot be created."""
    _ext, rate, riff = RECORD_FORMATS[fmt]
    body = pcm_8k if rate == RATE or not pcm_8k else await _run(_sox_resample(rate), pcm_8k)
    data = keep + body
    if riff:
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(data)
    else:
        path.write_bytes(data)  # noqa: ASYNC240 - a few kilobytes, like the wav branch
    return len(data) // 2


def _sox_resample(rate: int) -> list[str]:
    raw_in = ["-t", "raw", "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer", "-L"]
    return ["sox", "-R", *raw_in, "-", "-t", "raw", "-r", str(rate), "-"]


async def _run(command: list[str], stdin: bytes | None = None) -> bytes:
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:  # not installed
        raise VoiceError(f"{command[0]}: {exc} (the simulated caller's voice needs it)") from exc
    out, err = await process.communicate(stdin)
    if process.returncode != 0:
        detail = err.decode(errors="replace").strip()[:200]
        raise VoiceError(f"{command[0]} exited with {process.returncode}: {detail}")
    return out
