"""Text to speech for prompts: the `Synthesizer` interface and its two implementations.

`EspeakSynthesizer` renders with pyttsx3 over espeak-ng in worker processes (never on the event
loop), resamples with sox to what Asterisk plays, and caches by content (`PromptCache`).
`SilentSynthesizer` writes the same files — the `.txt` sidecar with the words and a short
silent `.wav` — without an engine, for flow tests and load runs that need no real audio.

Both return the path without extension that AGI `STREAM FILE` takes. The cache directory is
shared with Asterisk (docker-compose mounts it at the same absolute path in both containers), so
Asterisk reads the rendered prompt directly from disk; see ivr/speech/README.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import wave
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Protocol

from ivr.config import Settings
from ivr.speech.prompt_cache import PromptCache, discard, prompt_key, publish, temp_path
from ivr.speech.tts_worker import TtsError, TtsWorker

__all__ = [
    "DEFAULT_VOICES",
    "CachingSynthesizer",
    "EspeakSynthesizer",
    "SilentSynthesizer",
    "Synthesizer",
    "TtsError",
]

# `cmn-latn-pinyin`, not `cmn`: espeak-ng turns characters into tone-numbered pinyin, and the
# plain `cmn` voice then reads those tone digits as English numbers ("ni two hao three").
DEFAULT_VOICES: Mapping[str, str] = {"zh-CN": "cmn-latn-pinyin", "en-US": "en-us"}
DEFAULT_RATE = 150  # words per minute: unhurried, as the hotline's prompts should be
PIPELINE_VERSION = "1"  # bump when the resampling or file layout changes


class Synthesizer(Protocol):
    async def render(self, text: str, language: str) -> Path:
        """Render `text` (or find it in the cache) and return the path without extension."""
        ...


class CachingSynthesizer(Synthesizer, Protocol):
    async def is_cached(self, text: str, language: str) -> bool:
        """Whether `render` would find the prompt already rendered."""
        ...


class EspeakSynthesizer:
    """pyttsx3/espeak-ng prompts at 8 kHz (`.wav`) and 16 kHz (`.wav16`), cached by content."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        timeout: float = 10.0,
        voices: Mapping[str, str] = DEFAULT_VOICES,
        rate: int = DEFAULT_RATE,
        workers: int = 1,
    ) -> None:
        self.cache = PromptCache(cache_dir)
        self.timeout = timeout
        self.voices = dict(voices)
        self.rate = rate
        self._workers = [TtsWorker(timeout) for _ in range(max(1, workers))]
        self._idle: asyncio.Queue[TtsWorker] | None = None
        self._engine: str | None = None
        self.rendered = 0  # renders done by this instance (cache misses), for counts and tests

    @classmethod
    def from_settings(cls, settings: Settings, *, workers: int = 1) -> EspeakSynthesizer:
        return cls(settings.prompt_cache_dir, timeout=settings.tts_timeout, workers=workers)

    @property
    def workers(self) -> tuple[TtsWorker, ...]:
        """The engine's worker processes, each rendering one prompt at a time; one that is
        wedged or dead is replaced by its next render."""
        return tuple(self._workers)

    async def render(self, text: str, language: str) -> Path:
        voice = self._voice(language)
        engine = await self.engine_version()
        key = prompt_key(text, engine=engine, voice=voice, rate=self.rate)
        base = self.cache.base(language, key)

        async def render_new(base: Path) -> None:
            await self._render_files(text, voice, base)

        return await self.cache.get_or_render(base, render_new)

    async def is_cached(self, text: str, language: str) -> bool:
        engine = await self.engine_version()
        key = prompt_key(text, engine=engine, voice=self._voice(language), rate=self.rate)
        return self.cache.is_complete(self.cache.base(language, key))

    async def engine_version(self) -> str:
        """pyttsx3 and espeak-ng versions: a new engine sounds different, so it renders anew."""
        if self._engine is None:
            proc = await asyncio.create_subprocess_exec(
                "espeak-ng", "--version",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            )
            out, _ = await proc.communicate()
            espeak = out.decode(errors="replace").split("Data at")[0].strip()
            self._engine = f"pyttsx3 {version('pyttsx3')}; {espeak}; pipeline {PIPELINE_VERSION}"
        return self._engine

    async def aclose(self) -> None:
        for worker in self._workers:
            await worker.stop()

    async def __aenter__(self) -> EspeakSynthesizer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _voice(self, language: str) -> str:
        try:
            return self.voices[language]
        except KeyError:
            raise TtsError(f"no voice for language {language!r}") from None

    async def _render_files(self, text: str, voice: str, base: Path) -> None:
        base.parent.mkdir(parents=True, exist_ok=True)
        raw = temp_path(base, ".raw.wav")
        files = {".wav": temp_path(base, ".wav"), ".wav16": temp_path(base, ".wav16"),
                 ".txt": temp_path(base, ".txt")}
        try:
            await self._synthesize(text, voice, raw)
            await asyncio.gather(
                self._resample(raw, files[".wav"], 8000),
                self._resample(raw, files[".wav16"], 16000),
            )
            files[".txt"].write_text(text + "\n", encoding="utf-8")
            publish(base, files)
            self.rendered += 1
        finally:
            discard({**files, "raw": raw})

    async def _synthesize(self, text: str, voice: str, out: Path) -> None:
        if self._idle is None:
            self._idle = asyncio.Queue()
            for worker in self._workers:
                self._idle.put_nowait(worker)
        worker = await self._idle.get()
        try:
            await worker.synthesize(text, voice, self.rate, out)
        finally:
            self._idle.put_nowait(worker)

    async def _resample(self, src: Path, dst: Path, rate: int) -> None:
        # Normalise to -3 dBFS so every prompt plays at one level, then resample with sox's
        # high-quality rate effect; `-t wav` because sox does not know the `.wav16` extension.
        proc = await asyncio.create_subprocess_exec(
            "sox", "-q", str(src), "-t", "wav", "-r", str(rate), "-c", "1", "-b", "16",
            "-e", "signed-integer", str(dst), "gain", "-n", "-3",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, err = await asyncio.wait_for(proc.communicate(), self.timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            raise TtsError(f"sox did not resample within {self.timeout:g} s") from None
        if proc.returncode != 0:
            raise TtsError(f"sox failed: {err.decode(errors='replace').strip()}")


class SilentSynthesizer:
    """Writes the sidecar text and a short silent prompt: the files without an engine."""

    ENGINE = "silent"

    def __init__(self, cache_dir: Path, *, silence_ms: int = 100) -> None:
        self.cache = PromptCache(cache_dir)
        self.silence_ms = silence_ms
        self.rendered = 0

    async def is_cached(self, text: str, language: str) -> bool:
        return self.cache.is_complete(self._base(text, language))

    def _base(self, text: str, language: str) -> Path:
        key = prompt_key(text, engine=self.ENGINE, voice=language, rate=0)
        return self.cache.base(language, key)

    async def render(self, text: str, language: str) -> Path:
        base = self._base(text, language)

        async def render_new(base: Path) -> None:
            base.parent.mkdir(parents=True, exist_ok=True)
            files = {".wav": temp_path(base, ".wav"), ".wav16": temp_path(base, ".wav16"),
                     ".txt": temp_path(base, ".txt")}
            try:
                _write_silence(files[".wav"], 8000, self.silence_ms)
                _write_silence(files[".wav16"], 16000, self.silence_ms)
                files[".txt"].write_text(text + "\n", encoding="utf-8")
                publish(base, files)
                self.rendered += 1
            finally:
                discard(files)

        return await self.cache.get_or_render(base, render_new)


def _write_silence(path: Path, rate: int, ms: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * (rate * ms // 1000))
