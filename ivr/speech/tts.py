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
import logging
import time
import wave
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Protocol

from ivr.config import Settings
from ivr.db.enums import Language
from ivr.speech.languages import SPEECH_LANGUAGES
from ivr.speech.prompt_cache import PromptCache, discard, prompt_key, publish, temp_path
from ivr.speech.quality import BadAudio, check_wav, duration_bounds, measure_wav
from ivr.speech.recordings import (
    MIN_RECORDING_S,
    format_problem,
    level_problem,
    recording_key,
)
from ivr.speech.segments import split_languages
from ivr.speech.tts_worker import TtsError, TtsTimeout, TtsWorker

__all__ = [
    "DEFAULT_VOICES",
    "CachingSynthesizer",
    "EspeakSynthesizer",
    "SilentSynthesizer",
    "Synthesizer",
    "TtsError",
]

log = logging.getLogger(__name__)

DEFAULT_VOICES: Mapping[str, str] = {
    language.value: row.voice for language, row in SPEECH_LANGUAGES.items()
}
DEFAULT_RATE = 150  # words per minute: unhurried, as the hotline's prompts should be
# Bump when the resampling, the file layout or the checks change. 2: each language's words in
# its own voice, every rendering measured (files of version 1 may be header-only).
PIPELINE_VERSION = "2"
ATTEMPTS = 3  # a rendering that measures bad is tried again this many times in all, each time
# on a freshly started engine
BASES_KEPT = 20_000  # prompt file names remembered: the catalog, values, callers' sentences


class Synthesizer(Protocol):
    async def render(self, text: str, language: str) -> Path:
        """Render `text` (or find it in the cache) and return the path without extension."""
        ...


class CachingSynthesizer(Synthesizer, Protocol):
    cache: PromptCache
    # (language, text) -> why it could not be rendered, until it renders after all
    failures: dict[tuple[str, str], str]

    async def is_cached(self, text: str, language: str) -> bool:
        """Whether `render` would find the prompt already rendered (and fit to play)."""
        ...

    async def is_known(self, text: str, language: str) -> bool:
        """Whether this process knows the prompt is rendered, from memory only (no disk)."""
        ...

    async def verify_cache(self) -> int:
        """Remove cached prompts that are unfit to play (an older build's silent files, a
        half-written file); returns how many. Done once per instance, at start."""
        ...

    async def use_recording(self, language: str, name: str, text: str, source: Path) -> Path:
        """Convert the studio recording `source` of prompt `name` and play it for `text` from
        now on; `TtsError` when it cannot be used (recordings.py)."""
        ...


class EspeakSynthesizer:
    """pyttsx3/espeak-ng prompts at 8 kHz (`.wav`) and 16 kHz (`.wav16`), cached by content.

    Each language's words are spoken by that language's voice and joined (segments.py). Every
    rendering is measured (quality.py) before it is cached: a bad one is tried again on a freshly
    started engine, and after `attempts` tries fails with `TtsError` — never a silent file.
    """

    def __init__(
        self,
        cache_dir: Path,
        *,
        timeout: float = 10.0,
        voices: Mapping[str, str] = DEFAULT_VOICES,
        rate: int = DEFAULT_RATE,
        workers: int = 1,
        attempts: int = ATTEMPTS,
        worker_type: type[TtsWorker] = TtsWorker,  # tests pass a subclass that observes it
    ) -> None:
        self.cache = PromptCache(cache_dir)
        self.timeout = timeout
        self.voices = dict(voices)
        self.rate = rate
        self.attempts = max(1, attempts)
        self._workers = [worker_type(timeout) for _ in range(max(1, workers))]
        self._idle: asyncio.Queue[TtsWorker] | None = None
        self._engine: str | None = None
        self._verified = False
        self._fit: set[Path] = set()  # cached prompts this process has measured fit
        # (language, text, voice, rate) -> its files: a prompt asked for on every call costs a
        # dict lookup, not a sha256 and a path join
        self._bases: dict[tuple[str, str, str, int], Path] = {}
        self.rendered = 0  # renders done by this instance (cache misses), for counts and tests
        self.syntheses = 0  # engine runs (one per language segment and attempt)
        self.retries = 0  # engine runs that measured bad and were done again on a fresh engine
        self.engine_retries = 0  # requests the worker repeated inside one engine (wrote nothing)
        self.render_seconds: dict[tuple[str, str], float] = {}  # (language, text): last render
        self.recorded: dict[tuple[str, str], Path] = {}  # (language, text): studio recording
        # (language, text) -> why it could not be rendered; cleared when it renders after all
        self.failures: dict[tuple[str, str], str] = {}

    @classmethod
    def from_settings(cls, settings: Settings, *, workers: int = 1) -> EspeakSynthesizer:
        return cls(settings.prompt_cache_dir, timeout=settings.tts_timeout, workers=workers)

    @property
    def workers(self) -> tuple[TtsWorker, ...]:
        """The engine's worker processes, each rendering one prompt at a time; one that is
        wedged or dead is replaced by its next render."""
        return tuple(self._workers)

    async def render(self, text: str, language: str) -> Path:
        recorded = self.recorded.get((language, text))
        if recorded is not None and self.cache.is_complete(recorded):
            return recorded
        base = await self._base(text, language)

        async def render_new(base: Path) -> None:
            started = time.perf_counter()
            try:
                await self._render_files(text, language, base)
            except TtsError as exc:
                self.failures[(language, text)] = str(exc)
                # the words may hold a caller's address or number: the log names the file
                log.error("prompt %s not rendered (%d characters): %s", base.name, len(text), exc)
                raise
            self.failures.pop((language, text), None)
            self.render_seconds[(language, text)] = time.perf_counter() - started

        return await self.cache.get_or_render(base, render_new)

    async def is_known(self, text: str, language: str) -> bool:
        return self.cache.known(await self._base(text, language))

    async def is_cached(self, text: str, language: str) -> bool:
        base = await self._base(text, language)
        if not self.cache.is_complete(base):
            return False
        if base in self._fit:  # measured (or rendered) by this process already
            return True
        problem = await asyncio.to_thread(_cached_problem, base, text, language)
        if problem is None:
            self._fit.add(base)
            return True
        log.warning("cached prompt %s is unfit (%s): rendering it again", base, problem)
        self.cache.remove(base)
        return False

    async def verify_cache(self) -> int:
        if self._verified:
            return 0
        self._verified = True
        removed = await asyncio.to_thread(sweep_cache, self.cache)
        if removed:
            log.warning("removed %d unfit prompt(s) from %s", removed, self.cache.root)
        return removed

    async def use_recording(self, language: str, name: str, text: str, source: Path) -> Path:
        self._voice(language)  # a known language
        problem = await asyncio.to_thread(format_problem, source)
        if problem is not None:
            raise TtsError(problem)
        key = await asyncio.to_thread(recording_key, source, language, name, PIPELINE_VERSION)
        base = self.cache.base(language, key)
        if not self.cache.is_complete(base):
            await self.cache.get_or_render(base, lambda b: self._convert(source, text, b))
        self.recorded[(language, text)] = base
        return base

    async def _convert(self, source: Path, text: str, base: Path) -> None:
        base.parent.mkdir(parents=True, exist_ok=True)
        files = {".wav": temp_path(base, ".wav"), ".wav16": temp_path(base, ".wav16"),
                 ".txt": temp_path(base, ".txt")}
        try:
            await asyncio.gather(
                self._resample(source, files[".wav"], 8000),
                self._resample(source, files[".wav16"], 16000),
            )
            for suffix in (".wav", ".wav16"):
                levels = await asyncio.to_thread(measure_wav, files[suffix])
                if (problem := level_problem(levels)) is not None:
                    raise TtsError(problem)
            files[".txt"].write_text(text + "\n", encoding="utf-8")
            await asyncio.to_thread(publish, base, files)
        finally:
            discard(files)

    async def _base(self, text: str, language: str) -> Path:
        voice = self._voice(language)
        memo = (language, text, voice, self.rate)
        base = self._bases.get(memo)
        if base is None:
            engine = await self.engine_version()
            base = self.cache.base(language, prompt_key(text, engine=engine, voice=voice,
                                                        rate=self.rate))
            if len(self._bases) >= BASES_KEPT:
                self._bases.clear()  # callers' own sentences pass through; prompts come back
            self._bases[memo] = base
        return base

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

    async def _render_files(self, text: str, language: str, base: Path) -> None:
        base.parent.mkdir(parents=True, exist_ok=True)
        segments = split_languages(text, Language(language))
        raws = [temp_path(base, f".seg{i}.wav") for i in range(len(segments))]
        joined = temp_path(base, ".raw.wav")
        files = {".wav": temp_path(base, ".wav"), ".wav16": temp_path(base, ".wav16"),
                 ".txt": temp_path(base, ".txt")}
        try:
            for segment, raw in zip(segments, raws, strict=True):
                await self._synthesize_checked(segment.text, segment.language, raw)
            if len(raws) > 1:
                await self.sox("concatenate", *map(str, raws), str(joined))
            else:
                joined = raws[0]
            await asyncio.gather(
                self._resample(joined, files[".wav"], 8000),
                self._resample(joined, files[".wav16"], 16000),
            )
            for suffix in (".wav", ".wav16"):
                try:
                    await asyncio.to_thread(check_wav, files[suffix], text, language)
                except BadAudio as exc:
                    raise TtsError(f"resampled prompt unfit: {exc}") from None
            files[".txt"].write_text(text + "\n", encoding="utf-8")
            await asyncio.to_thread(publish, base, files)
            self._fit.add(base)
            self.rendered += 1
        finally:
            discard({**files, "raw": joined, **{str(i): p for i, p in enumerate(raws)}})

    async def _synthesize_checked(self, text: str, language: str, out: Path) -> None:
        """Synthesize one segment and measure it; a bad rendering is done again on a fresh
        engine (the worker process restarted), up to `attempts` times in all."""
        voice = self._voice(language)
        if self._idle is None:
            self._idle = asyncio.Queue()
            for worker in self._workers:
                self._idle.put_nowait(worker)
        worker = await self._idle.get()
        try:
            problem = ""
            for attempt in range(self.attempts):
                if attempt:
                    self.retries += 1
                    await worker.stop()  # the next request starts a fresh engine
                self.syntheses += 1
                try:
                    self.engine_retries += await worker.synthesize(text, voice, self.rate, out)
                    await asyncio.to_thread(check_wav, out, text, language)
                    return
                except TtsTimeout:
                    raise  # a wedged engine: already restarted; the caller must not wait 3 times
                except (BadAudio, TtsError) as exc:  # no audio, bad audio, a worker that died
                    problem = str(exc)
                    log.warning("rendering (%s, %d characters) attempt %d unfit: %s",
                                language, len(text), attempt + 1, problem)
            raise TtsError(f"audio unfit after {self.attempts} attempts: {problem}")
        finally:
            self._idle.put_nowait(worker)

    async def _resample(self, src: Path, dst: Path, rate: int) -> None:
        # Normalise to -3 dBFS so every prompt plays at one level, then resample with sox's
        # high-quality rate effect; `-t wav` because sox does not know the `.wav16` extension.
        await self.sox(
            "-q", str(src), "-t", "wav", "-r", str(rate), "-c", "1", "-b", "16",
            "-e", "signed-integer", str(dst), "gain", "-n", "-3",
        )

    async def sox(self, *args: str) -> None:
        if args and args[0] == "concatenate":
            args = ("-q", "--combine", "concatenate", *args[1:])
        proc = await asyncio.create_subprocess_exec(
            "sox", *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, err = await asyncio.wait_for(proc.communicate(), self.timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            raise TtsError(f"sox did not finish within {self.timeout:g} s") from None
        if proc.returncode != 0:
            raise TtsError(f"sox failed: {err.decode(errors='replace').strip()}")


def _cached_problem(base: Path, text: str, language: str) -> str | None:
    """Why the cached files of `base` are unfit to play, or None (blocking)."""
    try:
        for suffix in (".wav", ".wav16"):
            path = base.with_suffix(suffix)
            if not path.exists():
                return f"{suffix} missing"
            if base.name.startswith("rec-"):  # a studio recording: paced as it was spoken
                if (problem := level_problem(measure_wav(path))) is not None:
                    return problem
            else:
                check_wav(path, text, language)
    except BadAudio as exc:
        return str(exc)
    return None


def sweep_cache(cache: PromptCache) -> int:
    """Remove every cached prompt whose files are missing, unreadable or too short for its
    words (blocking). It reads only the WAV headers, so a cache of many thousands of prompts
    rendered during calls is swept in seconds: the faults it exists for (an older build's
    header-only files, a crash mid-write) show in the length. Static prompts are measured in
    full, level included, by `is_cached` when they are built."""
    removed = 0
    languages = {lang.value for lang in Language}
    for language_dir in (cache.root.iterdir() if cache.root.is_dir() else ()):
        if language_dir.name not in languages:
            continue
        for txt in language_dir.glob("[!.]*.txt"):
            base = txt.with_suffix("")
            try:
                text = txt.read_text(encoding="utf-8").rstrip("\n")
            except (OSError, UnicodeDecodeError):
                text = ""
            problem = _length_problem(base, text, language_dir.name) if text else "no text"
            if problem is not None:
                log.warning("cached prompt %s unfit (%s): removed", base, problem)
                cache.remove(base)
                removed += 1
    return removed


def _length_problem(base: Path, text: str, language: str) -> str | None:
    low, high = (MIN_RECORDING_S, 3600.0) if base.name.startswith("rec-") else \
        duration_bounds(text, language)
    for suffix in (".wav", ".wav16"):
        try:
            with wave.open(str(base.with_suffix(suffix)), "rb") as wav:
                seconds = wav.getnframes() / wav.getframerate()
                size = base.with_suffix(suffix).stat().st_size
                if size < 44 + 2 * wav.getnframes():  # the header promises more than is there
                    return f"{suffix}: cut short ({size} bytes)"
        except (OSError, EOFError, wave.Error, ZeroDivisionError) as exc:
            return f"{suffix}: {exc}"
        if not low <= seconds <= high:
            return f"{suffix}: {seconds:.2f} s of audio, expected {low:.2f}-{high:.2f} s"
    return None


class SilentSynthesizer:
    """Writes the sidecar text and a short silent prompt: the files without an engine."""

    ENGINE = "silent"

    def __init__(self, cache_dir: Path, *, silence_ms: int = 100) -> None:
        self.cache = PromptCache(cache_dir)
        self.silence_ms = silence_ms
        self.rendered = 0
        self.failures: dict[tuple[str, str], str] = {}

    async def is_cached(self, text: str, language: str) -> bool:
        return self.cache.is_complete(self._base(text, language))

    async def is_known(self, text: str, language: str) -> bool:
        return self.cache.known(self._base(text, language))

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

    async def verify_cache(self) -> int:
        return 0  # its files are silent by design: a test fake, never on the production path

    async def use_recording(self, language: str, name: str, text: str, source: Path) -> Path:
        raise TtsError("the silent synthesizer plays no recordings")


def _write_silence(path: Path, rate: int, ms: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * (rate * ms // 1000))
