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
    for suffix in (".wav", ".wav16", ".txt"):  # a whole prompt has a `.wav16`, a joined one not
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
        assert not any(old.with_suffix(s).exists() for s in (".wav", ".wav16", ".txt"))
        assert new.with_suffix(".wav").exists() and fixed.with_suffix(".wav").exists()

        # asked for again, the swept sentence is made again and is speech, not a missing file
        again = await joiner.render(old_parts, old_text, "zh-CN")
        assert again == old and joiner.joined == 4
        check_wav(again.with_suffix(".wav"), old_text, "zh-CN")


async def test_a_joined_prompt_found_on_disk_at_start_is_made_again(tmp_path: Path) -> None:
    # Another process (or this one before a restart) wrote it: its age is not known here, so
    # it is not handed to a caller (that process's sweep could take it mid-call).
    catalog = load_prompts(ROOT / "prompts")
    parts, text = ticket(catalog, "R20261122-0003")
    async with EspeakSynthesizer(tmp_path / "cache", workers=1) as synth:
        first = await Joiner(synth).render(parts, text, "zh-CN")
    async with EspeakSynthesizer(tmp_path / "cache", workers=1) as synth:
        joiner = Joiner(synth)
        assert synth.cache.known(first)  # in the index read from disk at start
        assert await joiner.render(parts, text, "zh-CN") == first
        assert joiner.joined == 1
