"""Joined prompts (one caller's bill or work order) do not fill the disk: reused for a while,
made again after REUSE_SECONDS, and swept once older than SWEEP_AFTER_SECONDS, by any process
sharing the cache; a swept sentence asked for again is made again, never handed out missing."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ivr.flow.prompts import load_prompts
from ivr.speech.joined import REUSE_SECONDS, SWEEP_AFTER_SECONDS, Joiner
from ivr.speech.quality import check_wav
from ivr.speech.tts import EspeakSynthesizer

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    """Wall-clock time that the test moves on (files written now carry the real time)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def ticket(catalog: object, number: str) -> tuple[list, str]:  # type: ignore[type-arg]
    parts = catalog.parts("ticket_created", "zh-CN", {"ticket_number": number})  # type: ignore[attr-defined]
    return parts, "".join(p.text for p in parts)


def stamp(base: Path, seconds_ago: float, clock: Clock) -> None:
    """Set the files' time as if written `seconds_ago` before the clock's now."""
    for suffix in (".wav", ".wav16", ".alaw", ".txt"):  # a whole prompt's, or a joined one's
        if base.with_suffix(suffix).exists():
            os.utime(base.with_suffix(suffix), (clock.now - seconds_ago, clock.now - seconds_ago))


async def test_joined_prompts_are_made_again_then_swept(tmp_path: Path) -> None:
    catalog = load_prompts(ROOT / "prompts")
    clock = Clock()
    started = clock.now
    async with EspeakSynthesizer(tmp_path / "cache", workers=2) as synth:
        joiner = Joiner(synth, clock=clock)
        old_parts, old_text = ticket(catalog, "R20261122-0001")
        new_parts, new_text = ticket(catalog, "R20261122-0002")
        old = await joiner.render(old_parts, old_text, "zh-CN")
        new = await joiner.render(new_parts, new_text, "zh-CN")
        fixed = await synth.render("您好", "zh-CN")  # a whole prompt: never swept
        assert joiner.joined == 2

        # within its reuse time a sentence is handed out again as it is
        clock.now += REUSE_SECONDS - 60
        assert await joiner.render(new_parts, new_text, "zh-CN") == new
        assert joiner.joined == 2

        # past it, it is made again (a fresh file) rather than reused
        clock.now += 120
        assert await joiner.render(new_parts, new_text, "zh-CN") == new
        assert joiner.joined == 3
        stamp(new, 0, clock)  # written at the moved clock's time

        # the other one, untouched since, passes the sweep age: its files go, the rest stay
        clock.now = started + SWEEP_AFTER_SECONDS + 1
        stamp(fixed, SWEEP_AFTER_SECONDS + 1, clock)
        assert await joiner.sweep() == 1
        assert not any(old.with_suffix(s).exists() for s in (".alaw", ".txt"))
        assert new.with_suffix(".alaw").exists() and fixed.with_suffix(".wav").exists()

        # asked for again, the swept sentence is made again and is speech, not a missing file
        again = await joiner.render(old_parts, old_text, "zh-CN")
        assert again == old and joiner.joined == 4
        check_wav(again.with_suffix(".alaw"), old_text, "zh-CN")


async def test_a_joined_prompt_found_on_disk_at_start_is_made_again(tmp_path: Path) -> None:
    # Another process (or this one before a restart) wrote it: its age is not known here, so
    # it is not handed to a caller (that process's sweep could take it mid-call).
    catalog = load_prompts(ROOT / "prompts")
    parts, text = ticket(catalog, "R20261122-0003")
    async with EspeakSynthesizer(tmp_path / "cache", workers=1) as synth:
        first = await Joiner(synth).render(parts, text, "zh-CN")
    async with EspeakSynthesizer(tmp_path / "cache", workers=1) as synth:
        joiner = Joiner(synth)
        assert first.with_suffix(".alaw").exists()
        assert await joiner.render(parts, text, "zh-CN") == first
        assert joiner.joined == 1


async def test_joined_wav_files_of_earlier_versions_are_swept(tmp_path: Path) -> None:
    # Before joined sentences were written in A-law they were `.wav` (and `.wav16`) files; the
    # same sentence may have been joined again since, in A-law, beside them.
    clock = Clock()
    async with EspeakSynthesizer(tmp_path / "cache", workers=1) as synth:
        joiner = Joiner(synth, clock=clock)
        fixed = await synth.render("您好", "zh-CN")
        old = fixed.with_name("j-0123456789abcdef0123456789abcdef")
        for suffix in (".wav", ".wav16", ".txt"):
            old.with_suffix(suffix).write_bytes(fixed.with_suffix(suffix).read_bytes())
        old.with_suffix(".alaw").write_bytes(b"\xd5" * 8000)
        clock.now += SWEEP_AFTER_SECONDS + 1
        assert await joiner.sweep() == 1  # one sentence, counted once
        assert not any(old.with_suffix(s).exists() for s in (".alaw", ".wav", ".wav16", ".txt"))
        assert fixed.with_suffix(".wav").exists()  # a whole prompt is never swept
