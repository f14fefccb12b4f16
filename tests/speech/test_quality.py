"""Measuring renderings: a silent or clipped prompt is rejected, retried on a fresh engine, and
never cached; a bad file already in the cache is found and rendered again."""

import json
import math
import sys
import wave
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli.main import cli
from ivr.speech.build import build_prompts
from ivr.speech.quality import (
    AudioLevels,
    BadAudio,
    check_wav,
    duration_bounds,
    expected_seconds,
    problem,
)
from ivr.speech.tts import EspeakSynthesizer, TtsError


def write_wav(path: Path, seconds: float, amplitude: int = 8000, rate: int = 22050) -> Path:
    """A 440 Hz tone (amplitude 0: digital silence; seconds 0: a header and no samples)."""
    frames = int(seconds * rate)
    data = b"".join(
        int(amplitude * math.sin(2 * math.pi * 440 * i / rate)).to_bytes(2, "little", signed=True)
        for i in range(frames)
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(data)
    return path


def test_header_only_file_is_rejected(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", 0)
    assert path.stat().st_size == 44
    with pytest.raises(BadAudio, match=r"0\.00 s of audio"):
        check_wav(path, "您好，欢迎致电供电服务热线。", "zh-CN")


def test_silence_of_the_right_length_is_rejected(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", 3.0, amplitude=0)
    with pytest.raises(BadAudio, match="silent"):
        check_wav(path, "Thank you for calling. Goodbye.", "en-US")
    quiet = write_wav(tmp_path / "b.wav", 3.0, amplitude=3)  # dither-level noise
    with pytest.raises(BadAudio, match="silent"):
        check_wav(quiet, "Thank you for calling. Goodbye.", "en-US")


def test_clipped_and_runaway_renderings_are_rejected(tmp_path: Path) -> None:
    text = "停电信息请按1，故障报修请按2，电费和账户查询请按3，投诉和建议请按4，人工服务请按0。"
    low, high = duration_bounds(text, "zh-CN")
    assert 5 < low < 8 < 20 < high  # measured: 13.98 s
    with pytest.raises(BadAudio, match="expected at least"):
        check_wav(write_wav(tmp_path / "a.wav", 2.0), text, "zh-CN")
    with pytest.raises(BadAudio, match="expected at most"):
        check_wav(write_wav(tmp_path / "b.wav", high + 1, rate=8000), text, "zh-CN")
    levels = check_wav(write_wav(tmp_path / "c.wav", 14.0, rate=8000), text, "zh-CN")
    assert levels.rate == 8000 and round(levels.seconds) == 14
    assert -20 < levels.rms_dbfs < -10 and -13 < levels.peak_dbfs < -11


def test_estimate_per_language() -> None:
    assert expected_seconds("故障", "zh-CN") == pytest.approx(0.56)
    assert expected_seconds("a fault", "en-US") == pytest.approx(0.42)
    # the digits of a Mandarin prompt are read as Mandarin syllables
    assert expected_seconds("按1", "zh-CN") > expected_seconds("按", "zh-CN") + 0.2
    speech = AudioLevels(1.0, 8000, -20.0, -3.0)
    assert problem(speech, "Goodbye.", "en-US") is None
    assert problem(replace(speech, seconds=0.1), "Goodbye.", "en-US") is not None
    assert problem(replace(speech, rms_dbfs=-60.0), "Goodbye.", "en-US") is not None


# A stand-in engine: one JSON request per line, like ivr.speech.tts_worker. A fresh process's
# first request gets a header-only file (the fault seen with pyttsx3's espeak driver) while
# `state` says so; later requests get a tone as long as the text needs.
FAKE_WORKER = r"""
import json, math, sys, wave
state_path = sys.argv[1]
for line in sys.stdin:
    request = json.loads(line)
    state = json.load(open(state_path))
    if state.get("errors_left", 0) > 0:
        state["errors_left"] -= 1
        json.dump(state, open(state_path, "w"))
        print(json.dumps({"ok": False, "error": "RuntimeError: the engine wrote no audio"}),
              flush=True)
        continue
    bad = state["bad_left"] > 0
    state["bad_left"] -= 1
    state["requests"] = state.get("requests", 0) + 1
    json.dump(state, open(state_path, "w"))
    rate = 22050
    frames = 0 if bad else int(rate * (0.3 * len(request["text"]) + 0.5))
    with wave.open(request["out"], "wb") as out:
        out.setnchannels(1); out.setsampwidth(2); out.setframerate(rate)
        out.writeframes(b"".join(
            int(8000 * math.sin(i / 5)).to_bytes(2, "little", signed=True) for i in range(frames)))
    print(json.dumps({"ok": True}), flush=True)
"""


def fake_engine(
    tmp_path: Path, bad_renders: int, errors: int = 0
) -> tuple[tuple[str, ...], Path]:
    script = tmp_path / "fake_worker.py"
    script.write_text(FAKE_WORKER, encoding="utf-8")
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"bad_left": bad_renders, "errors_left": errors}),
                     encoding="utf-8")
    return (sys.executable, str(script), str(state)), state


async def test_silent_render_is_rejected_and_retried_on_a_fresh_engine(tmp_path: Path) -> None:
    command, state = fake_engine(tmp_path, bad_renders=1)
    async with EspeakSynthesizer(tmp_path / "cache") as synth:
        worker = synth.workers[0]
        worker.command = command
        base = await synth.render("您好，欢迎致电。", "zh-CN")
        assert synth.retries == 1 and synth.syntheses == 2 and synth.rendered == 1
        assert json.loads(state.read_text())["requests"] == 2
        levels = check_wav(base.with_suffix(".wav"), "您好，欢迎致电。", "zh-CN")
        assert levels.rate == 8000 and levels.seconds > 2
        assert synth.failures == {}


async def test_engine_that_reports_no_audio_is_restarted_and_asked_again(
    tmp_path: Path,
) -> None:
    command, _ = fake_engine(tmp_path, bad_renders=0, errors=2)
    async with EspeakSynthesizer(tmp_path / "cache") as synth:
        synth.workers[0].command = command
        base = await synth.render("Goodbye.", "en-US")
        assert synth.retries == 2 and synth.syntheses == 3
        check_wav(base.with_suffix(".wav"), "Goodbye.", "en-US")


async def test_render_that_stays_silent_fails_loudly_and_is_not_cached(tmp_path: Path) -> None:
    command, _ = fake_engine(tmp_path, bad_renders=99)
    async with EspeakSynthesizer(tmp_path / "cache", attempts=3) as synth:
        synth.workers[0].command = command
        with pytest.raises(TtsError, match=r"unfit after 3 attempts: 0\.00 s of audio"):
            await synth.render("Goodbye.", "en-US")
        assert synth.retries == 2 and synth.rendered == 0
        assert not await synth.is_cached("Goodbye.", "en-US")
        assert list(synth.failures) == [("en-US", "Goodbye.")]
        assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]  # nothing left


async def test_unfit_cached_prompt_is_found_at_start_and_rendered_again(tmp_path: Path) -> None:
    texts = {"en-US": {"bye": "Thank you for calling. Goodbye."}}
    async with EspeakSynthesizer(tmp_path) as synth:
        base = await synth.render(texts["en-US"]["bye"], "en-US")
    # an older build's header-only file under the same name, and a dynamic prompt cut short
    write_wav(base.with_suffix(".wav"), 0, rate=8000)
    other = base.with_name("0" * 32)
    write_wav(other.with_suffix(".wav"), 0.1, rate=8000)
    write_wav(other.with_suffix(".wav16"), 0.1, rate=16000)
    other.with_suffix(".txt").write_text("Your work order number is R, two zero.\n")
    async with EspeakSynthesizer(tmp_path) as synth:
        result = await build_prompts(texts, synth)
        assert (result.removed, result.rendered, result.cached, result.failed) == (2, 1, 0, [])
    assert not other.with_suffix(".wav").exists()
    check_wav(base.with_suffix(".wav"), texts["en-US"]["bye"], "en-US")
    check_wav(base.with_suffix(".wav16"), texts["en-US"]["bye"], "en-US")


def test_prompts_build_lists_each_failure_and_exits_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "en-US.yaml").write_text("bye: Goodbye.\n", encoding="utf-8")
    (prompts / "fr-FR.yaml").write_text("bye: Au revoir.\nhello: Bonjour.\n", encoding="utf-8")
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IVR_PROMPTS_DIR", str(prompts))
    result = CliRunner().invoke(cli, ["prompts", "build", "--workers", "1"])
    assert result.exit_code == 1
    assert ("1 rendered, 0 cached, 0 dynamic (joined during calls from 0 fragments), "
            "0 recorded, 2 failed") in result.output
    assert f"{prompts / 'fr-FR.yaml'}: bye: no voice for language 'fr-FR'" in result.output
    assert f"{prompts / 'fr-FR.yaml'}: hello: no voice" in result.output
    assert "2 prompt(s) could not be rendered" in result.output
