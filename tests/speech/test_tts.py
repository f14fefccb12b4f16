"""Prompt rendering with the real engine (pyttsx3 over espeak-ng) and sox."""

import asyncio
import os
import signal
import wave
from pathlib import Path

import pytest

from ivr.speech.build import build_prompts, load_prompt_texts
from ivr.speech.tts import EspeakSynthesizer, SilentSynthesizer, TtsError


def _rate(path: Path) -> tuple[int, int, int, int]:
    with wave.open(str(path), "rb") as wav:
        return wav.getframerate(), wav.getsampwidth(), wav.getnchannels(), wav.getnframes()


async def test_renders_8k_and_16k_audio_with_text_sidecar(tmp_path: Path) -> None:
    async with EspeakSynthesizer(tmp_path) as synth:
        base = await synth.render("您好，欢迎致电供电服务热线。", "zh-CN")
        assert base.is_absolute() and base.suffix == ""
        spoken = base.with_suffix(".txt").read_text(encoding="utf-8")
        assert spoken == "您好，欢迎致电供电服务热线。\n"
        rate, width, channels, frames = _rate(base.with_suffix(".wav"))
        assert (rate, width, channels) == (8000, 2, 1) and frames > 8000  # over a second
        assert _rate(base.with_suffix(".wav16"))[:3] == (16000, 2, 1)
        english = await synth.render("Thank you for calling.", "en-US")
        assert english.parent.name == "en-US" and english != base
        assert not [p for p in os.listdir(base.parent) if p.startswith(".")]  # no temp files


async def test_cached_prompt_is_not_rendered_again(tmp_path: Path) -> None:
    async with EspeakSynthesizer(tmp_path) as synth:
        first = await synth.render("Press one for outages.", "en-US")
        stamp = first.with_suffix(".wav").stat().st_mtime_ns
        assert await synth.is_cached("Press one for outages.", "en-US")
        assert await synth.render("Press one for outages.", "en-US") == first
        assert synth.rendered == 1
    async with EspeakSynthesizer(tmp_path) as again:  # a new process finds it on disk
        assert await again.render("Press one for outages.", "en-US") == first
        assert again.rendered == 0
        assert first.with_suffix(".wav").stat().st_mtime_ns == stamp
    async with EspeakSynthesizer(tmp_path, rate=120) as slower:  # other rate, other audio
        assert await slower.render("Press one for outages.", "en-US") != first


async def test_concurrent_requests_for_one_text_render_once(tmp_path: Path) -> None:
    async with EspeakSynthesizer(tmp_path, workers=2) as synth:
        paths = await asyncio.gather(*(synth.render("请稍候。", "zh-CN") for _ in range(8)))
        assert len(set(paths)) == 1
        assert synth.rendered == 1


async def test_wedged_engine_is_killed_and_replaced(tmp_path: Path) -> None:
    async with EspeakSynthesizer(tmp_path, timeout=0.3) as synth:
        worker = synth.workers[0]
        worker.command = ("sleep", "60")  # a worker that never answers
        with pytest.raises(TtsError, match=r"did not finish within 0\.3 s"):
            await synth.render("Hello.", "en-US")
        assert worker.pid is None  # killed and reaped
        worker.command = worker.DEFAULT_COMMAND
        synth.timeout = worker.timeout = 10.0
        base = await synth.render("Hello.", "en-US")
        assert base.with_suffix(".wav").exists()


async def test_worker_that_dies_fails_the_render_and_restarts(tmp_path: Path) -> None:
    async with EspeakSynthesizer(tmp_path) as synth:
        await synth.render("One.", "en-US")
        worker = synth.workers[0]
        dead = worker.pid
        assert dead is not None
        os.kill(dead, signal.SIGKILL)
        async with asyncio.timeout(10):
            # Until the exit is noticed (visible only by polling): then the render finds the
            # worker dead before using it.
            while worker.pid is not None:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        base = await synth.render("Two.", "en-US")  # a fresh worker is started
        assert base.with_suffix(".txt").read_text() == "Two.\n"
        assert worker.pid not in (None, dead)


async def test_unknown_language_is_an_error(tmp_path: Path) -> None:
    async with EspeakSynthesizer(tmp_path) as synth:
        with pytest.raises(TtsError, match="no voice"):
            await synth.render("Bonjour", "fr-FR")


async def test_silent_synthesizer_writes_the_same_files(tmp_path: Path) -> None:
    synth = SilentSynthesizer(tmp_path)
    base = await synth.render("您的工单号是R，二零二六。", "zh-CN")
    assert base.with_suffix(".txt").read_text(encoding="utf-8") == "您的工单号是R，二零二六。\n"
    assert _rate(base.with_suffix(".wav"))[:3] == (8000, 2, 1)
    assert await synth.render("您的工单号是R，二零二六。", "zh-CN") == base
    assert synth.rendered == 1


async def test_build_renders_static_prompts_once_and_skips_dynamic(tmp_path: Path) -> None:
    prompts_dir = tmp_path / "prompts"
    prompts_dir.mkdir()
    (prompts_dir / "en-US.yaml").write_text(
        "greeting: Welcome to the power supply hotline.\n"
        "balance: 'Your balance is {amount:money}.'\n"
        "bye: Goodbye.\n", encoding="utf-8")
    (prompts_dir / "zh-CN.yaml").write_text(
        "greeting: 您好，欢迎致电供电服务热线。\n"
        "balance: '您的欠费金额为{amount:money}。'\n"
        "bye: 再见。\n", encoding="utf-8")
    texts = load_prompt_texts(prompts_dir)
    done: list[tuple[str, str]] = []
    async with EspeakSynthesizer(tmp_path / "cache", workers=2) as synth:
        first = await build_prompts(
            texts, synth, on_done=lambda lang, name: done.append((lang, name)), fragments=False)
        assert (first.rendered, first.cached, first.dynamic, first.failed) == (4, 0, 2, [])
        assert sorted(done) == [("en-US", "bye"), ("en-US", "greeting"),
                                ("zh-CN", "bye"), ("zh-CN", "greeting")]
        texts["en-US"]["bye"] = "Goodbye, and thank you."
        second = await build_prompts(texts, synth, fragments=False)
        assert (second.rendered, second.cached, second.dynamic) == (1, 3, 2)
        texts["fr-FR"] = {"hello": "Bonjour"}
        third = await build_prompts(texts, synth, fragments=False)
        assert third.failed == [("fr-FR", "hello", "no voice for language 'fr-FR'")]
