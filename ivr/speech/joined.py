"""Sentences with values, joined from pre-rendered fragments instead of synthesized per caller.

A prompt such as "您的账户当前欠费{balance:money}。" is spoken as its fixed parts (rendered once,
by `ivr prompts build`) and the words of its values, each read from a closed vocabulary of
fragments ("三", "百", "元"; "forty-two", "yuan", "November") rendered ahead too. Joining is
concatenating bytes in memory and writing one file, so no caller waits for the speech engine
whatever their figures are. This is how IVRs have always read values; see README.md for what it
costs in naturalness and why it is taken.

Each fragment is a normal cached prompt (same engine, voice, rate, -3 dBFS normalisation), so
levels and sample rates match. Its leading and trailing silence is trimmed once and its audio
kept in memory, in A-law (the trunk's codec: `AUDIO` below); fixed gaps are put back between
words (short), between a sentence's parts (a breath) and at commas (a pause). The joined files
are cached by what they are made of: the same customer's sentence again is found, not joined
again.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import string
import time
import wave
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ivr.speech.g711 import SILENCE, alaw_from_pcm16
from ivr.speech.prompt_cache import PromptCache

log = logging.getLogger(__name__)

# A joined sentence is one caller's (their bill, their work order), made during their call, so
# only what they hear is written, in the form they hear it: callers reach the hotline over the
# carrier trunk, which carries G.711 A-law (asterisk-conf/pjsip.conf), and Asterisk plays an
# `.alaw` file to an A-law channel as it is. Half the bytes of 8 kHz 16-bit PCM, which a call's
# writes cost in CPU (bench/RESULTS.md), and no quality lost: the trunk is A-law either way.
# Whole prompts keep their WAV files for every phone; a ulaw or wideband phone that calls in
# hears joined sentences through Asterisk's translation from A-law.
AUDIO = ".alaw"
RATE = 8000
WORD_GAP_MS = {"zh-CN": 15, "en-US": 40}  # between the words of one value
PART_GAP_MS = 90  # between a sentence's fixed part and a value
PAUSE_MS = 250  # a comma: between the groups of a number read digit by digit
TRIM_LEVEL = 400  # |sample| below this (about -38 dBFS) at a fragment's ends is silence
KEEP_MS = 8  # of that silence kept at each end, so no word starts with a click
PAUSES = frozenset("，,、；;")
JOINED_PREFIX = "j-"
# A joined prompt is one caller's sentence (their bill, their work order): kept for reuse for
# a while, then made again rather than reused, and its files swept once nobody can be playing
# them (twice the reuse time: a file is never reused past REUSE_SECONDS, and no call lasts the
# difference). Without this the cache grows by a file pair for every bill read.
REUSE_SECONDS = 6 * 3600
SWEEP_AFTER_SECONDS = 2 * REUSE_SECONDS
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Part:
    """One piece of a sentence: fixed text, a value to read in fragments, or free text."""

    text: str
    kind: str  # "fixed", "text" (spoken whole: an address, a name) or a value kind
    field: str | None = None  # the placeholder it fills


class FragmentSynth(Protocol):
    cache: PromptCache

    async def render(self, text: str, language: str) -> Path: ...

    async def is_known(self, text: str, language: str) -> bool: ...


def value_words(text: str, language: str) -> list[str]:
    """The fragments a value's reading is said in; "," marks a pause."""
    words: list[str] = []
    if language.startswith("zh"):
        for char in text:
            if char in PAUSES:
                words.append(",")
            elif not char.isspace():
                words.append(char)
        return words
    for token in text.split():
        pause = token[-1] in PAUSES
        token = token.rstrip("".join(PAUSES))
        if token:
            words.append(token)
        if pause:
            words.append(",")
    return words


def vocabulary(language: str) -> set[str]:
    """The fragments values are read in, rendered ahead by `ivr prompts build`."""
    letters = {chr(c) for c in range(ord("A"), ord("Z") + 1)}
    if language.startswith("zh"):
        return letters | set("零幺一二三四五六七八九十百千万亿〇两元角分点整年月日负小时钟秒")
    from num2words import num2words

    from ivr.speech.say_en import _MONTHS

    words = {str(num2words(n)) for n in range(100)}
    words |= {str(num2words(n, to="ordinal")) for n in range(1, 32)}
    words |= set(_MONTHS) | letters
    words |= {"hundred", "thousand", "million", "billion", "point", "minus", "yuan", "fen",
              "and", "a.m.", "p.m.", "oh", "noon", "midnight", "at", "hour", "hours",
              "minute", "minutes", "second", "seconds"}
    return words


def fragment_texts(prompts: Mapping[str, Mapping[str, str]]) -> dict[str, set[str]]:
    """Every fragment a language needs: its value vocabulary and the fixed parts of its
    prompts with values ({language: {name: text}}); none for a language without such prompts."""
    found: dict[str, set[str]] = {}
    for language, texts in prompts.items():
        fixed = list(_fixed_parts(texts.values()))
        if fixed:
            found[language] = vocabulary(language) | set(fixed)
    return found


def _fixed_parts(texts: Iterable[str]) -> Iterable[str]:
    for text in texts:
        try:
            pieces = list(_FORMATTER.parse(text))
        except ValueError:
            continue  # reported by the prompt catalog's own checks
        if any(field is not None for _, field, _, _ in pieces):
            yield from (literal for literal, _, _, _ in pieces if speakable(literal))


def speakable(text: str) -> bool:
    return any(c.isalnum() for c in text)


@dataclass(eq=False)
class _Piece:
    """A rendered fragment as a sentence is made of it: its file, and its trimmed audio in
    A-law once read."""

    path: Path
    alaw: bytes | None = None

    def __post_init__(self) -> None:
        self.name = self.path.name  # in the joined prompt's key: pathlib recomputes it


class Joiner:
    """Joins fragments into one prompt file in the synthesizer's cache."""

    def __init__(self, synth: FragmentSynth, clock: Callable[[], float] = time.time) -> None:
        self.synth = synth
        self.cache = synth.cache
        self._clock = clock
        self._made: dict[Path, float] = {}  # joined prompt -> when this process wrote it
        self.joined = 0  # sentences joined (not found in the cache), for tests and benchmarks
        self._ahead: dict[tuple[str, str], asyncio.Task[bool]] = {}
        # (language, word) -> its fragment, audio in memory once read: a value's thirty words
        # cost thirty dict lookups, not thirty cache keys (a sha256 each), path lookups and
        # file reads. Held for the life of the process: the vocabulary is closed.
        self._pieces: dict[tuple[str, str], _Piece] = {}

    async def _render_piece(self, word: str, language: str, *, keep: bool) -> _Piece:
        """A fragment not read yet: rendered now if it never was (found in the cache if it
        was); kept for the next sentence unless free text (an address: one per customer,
        read from its file each time)."""
        piece = _Piece(await self.synth.render(word, language))
        if keep:
            self._pieces[(language, word)] = piece
        return piece

    async def ready(self, text: str, language: str) -> bool:
        """Whether `text` is rendered whole and can be played or joined without a wait: a
        sentence rendered ahead of the call (an announcement), or free text (an address).
        Known in memory, not looked for on disk nor measured again on a caller's path (every
        rendering is measured before it is published; the background job and `ivr prompts
        addresses` re-measure old files and look on disk first)."""
        return await self.synth.is_known(text, language)

    def render_ahead(self, text: str, language: str) -> asyncio.Task[bool]:
        """Render free text in the background (True once rendered); a caller who stops
        waiting for it does not stop it: the next call needing it finds it."""
        key = (language, text)
        task = self._ahead.get(key)
        if task is None:
            task = asyncio.create_task(self._render_quietly(text, language))
            self._ahead[key] = task
            task.add_done_callback(lambda _: self._ahead.pop(key, None))
        return task

    async def _render_quietly(self, text: str, language: str) -> bool:
        try:
            await self.synth.render(text, language)
            return True
        except Exception as exc:  # logged by length only: the words may be a caller's address
            log.warning("free text (%d characters) not rendered ahead: %s", len(text), exc)
            return False

    async def render(self, parts: list[Part], text: str, language: str) -> Path:
        """The prompt `text`, spoken as `parts`; free-text parts are rendered whole (cached)."""
        plan: list[_Piece | int] = []  # fragments and gaps in milliseconds
        for part in parts:
            if part.kind in ("fixed", "text"):  # said whole, as rendered
                words = [part.text] if speakable(part.text) else []
                gap = PART_GAP_MS
            else:
                words = value_words(part.text, language)
                gap = WORD_GAP_MS.get(language, 40)
            if plan and words:
                plan.append(PART_GAP_MS)
            for i, word in enumerate(words):
                if word == ",":
                    plan.append(PAUSE_MS)
                    continue
                if i and words[i - 1] != ",":
                    plan.append(gap)
                piece = self._pieces.get((language, word))
                if piece is None or not (piece.alaw is not None or self.cache.known(piece.path)):
                    piece = await self._render_piece(word, language, keep=part.kind != "text")
                plan.append(piece)
        # named by what it is made of: a fragment rendered again (another voice) is another file
        made_of = [item if isinstance(item, int) else item.name for item in plan]
        key = hashlib.sha256(repr((language, text, made_of)).encode()).hexdigest()[:32]
        base = self.cache.base(language, JOINED_PREFIX + key)
        made = self._made.get(base)
        if made is None or self._clock() - made > REUSE_SECONDS:
            # Not written by this process (found on disk at start: its age unknown), or too
            # old to hand out: another process's sweep may take it soon. Made again.
            self.cache.forget(base)
        return await self.cache.get_or_render(
            base, lambda b: self._write(b, plan, text), probe=False)

    async def sweep(self) -> int:
        """Delete joined prompts written more than SWEEP_AFTER_SECONDS ago (by any process
        sharing the cache: each makes its own again after REUSE_SECONDS); how many."""
        cutoff = self._clock() - SWEEP_AFTER_SECONDS
        stale = await asyncio.to_thread(_stale_joined, self.cache.root, cutoff)
        for base in stale:
            if self._made.get(base, 0.0) > cutoff:
                continue  # written again here since the scan
            self.cache.forget(base)
            self._made.pop(base, None)
        # unlinked after being forgotten: no call of this process is handed them any more
        await asyncio.to_thread(_unlink_all, [b for b in stale if b not in self._made])
        return len(stale)

    async def _write(self, base: Path, plan: list[_Piece | int], text: str) -> None:
        missing = list(dict.fromkeys(
            p for p in plan if isinstance(p, _Piece) and p.alaw is None))
        if missing:
            await asyncio.to_thread(_read_pieces, missing)
        audio = [item.alaw or b"" if isinstance(item, _Piece) else _silence(item)
                 for item in plan]
        await asyncio.to_thread(_publish, base, audio, text)
        self._made[base] = self._clock()
        self.joined += 1


async def keep_swept(joiner: Joiner, every: float = 1800.0) -> None:
    """Sweep old joined prompts now and every `every` seconds, as long as the hotline runs."""
    while True:
        try:
            swept = await joiner.sweep()
            if swept:
                log.info("joined prompts swept: %d written over %d h ago", swept,
                         SWEEP_AFTER_SECONDS // 3600)
        except Exception:  # the disk fills slowly: the next sweep tries again
            log.exception("sweeping joined prompts failed; trying again later")
        await asyncio.sleep(every)


def _stale_joined(root: Path, cutoff: float) -> list[Path]:
    """Joined prompts (by their audio, published last) last written before `cutoff`."""
    found: dict[Path, None] = {}  # once each, should both an old `.wav` and an `.alaw` be there
    for language_dir in (root.iterdir() if root.is_dir() else ()):
        if not language_dir.is_dir():
            continue
        with os.scandir(language_dir) as entries:
            for entry in entries:
                name, dot, suffix = entry.name.rpartition(".")
                # `.wav`: joined by earlier versions
                if name.startswith(JOINED_PREFIX) and dot and f".{suffix}" in (AUDIO, ".wav"):
                    try:
                        if entry.stat().st_mtime < cutoff:
                            found[language_dir / name] = None
                    except FileNotFoundError:
                        continue  # swept by another process meanwhile
    return list(found)


def _unlink_all(bases: list[Path]) -> None:
    for base in bases:
        # the audio first: never seen half-gone (`.wav`, `.wav16`: joined by earlier versions)
        for suffix in (AUDIO, ".wav", ".wav16", ".txt"):
            base.with_suffix(suffix).unlink(missing_ok=True)


def _read_pieces(pieces: list[_Piece]) -> None:
    for piece in pieces:
        piece.alaw = alaw_from_pcm16(_trimmed(piece.path.with_suffix(".wav"), RATE))


def _trimmed(path: Path, rate: int) -> bytes:
    with wave.open(str(path), "rb") as wav:
        if wav.getframerate() != rate or wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise ValueError(f"{path}: expected {rate} Hz 16-bit mono")
        pcm = wav.readframes(wav.getnframes())
    # numpy: a fragment is thousands of samples, and a sample-by-sample scan in Python was
    # most of a new sentence's cost
    samples = np.frombuffer(pcm, dtype="<i2", count=len(pcm) // 2).astype(np.int32)
    loud = np.flatnonzero(np.abs(samples) >= TRIM_LEVEL)
    if not len(loud):
        return b""
    keep = rate * KEEP_MS // 1000
    start, end = max(0, int(loud[0]) - keep), min(len(samples), int(loud[-1]) + 1 + keep)
    return pcm[start * 2:end * 2]


@functools.cache
def _silence(ms: int) -> bytes:
    return SILENCE * (RATE * ms // 1000)


def _publish(base: Path, audio: list[bytes], text: str) -> None:
    """Write the joined prompt, its audio last. No fsync: it is made again from its fragments."""
    tag = f".{os.getpid()}.{os.urandom(4).hex()}"
    written: list[tuple[str, str]] = []
    try:
        for suffix, data in ((".txt", (text + "\n").encode()), (AUDIO, b"".join(audio))):
            tmp, final = f"{base.parent}/.{base.name}{tag}{suffix}", f"{base}{suffix}"
            written.append((tmp, final))
            _write_new(tmp, data)
    except BaseException:
        for tmp, _ in written:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, final in written:  # the audio last: a reader that sees it sees the rest
        os.replace(tmp, final)


def _write_new(path: str, data: bytes) -> None:
    """Create `path` with `data` (plain system calls: `wave` and `pathlib` cost more here)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileNotFoundError:  # the language's directory, on first use
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
