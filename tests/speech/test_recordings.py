"""Studio recordings replace the synthesized voice for fixed prompts."""

import math
import shutil
import wave
from pathlib import Path

from click.testing import CliRunner

from ivr.cli.main import cli
from ivr.speech.build import build_prompts, load_prompt_texts
from ivr.speech.quality import measure_wav
from ivr.speech.recordings import find_recordings
from ivr.speech.tts import EspeakSynthesizer

ROOT = Path(__file__).resolve().parents[2]


def record(path: Path, seconds: float = 2.0, rate: int = 48000, channels: int = 1,
           amplitude: int = 9000) -> Path:
    """A 'studio recording': a tone at `rate`, 16-bit PCM."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = [
        int(amplitude * math.sin(2 * math.pi * 330 * i / rate)).to_bytes(2, "little", signed=True)
        for i in range(int(seconds * rate))
    ]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(f * channels for f in frame))
    return path


async def test_recording_replaces_tts_in_the_pbx_formats(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "en-US.yaml").write_text(
        "goodbye: Thank you for calling. Goodbye.\nhello: Hello.\n"
        "ticket: 'Your number is {n:digits}.'\n", encoding="utf-8")
    source = record(prompts / "recordings" / "en-US" / "goodbye.wav", seconds=2.5, rate=44100)
    texts = load_prompt_texts(prompts)
    async with EspeakSynthesizer(tmp_path / "cache") as synth:
        result = await build_prompts(texts, synth, recordings=find_recordings(prompts),
                                     fragments=False)
        assert (result.recorded, result.rendered, result.failed) == (1, 1, [])
        base = await synth.render("Thank you for calling. Goodbye.", "en-US")
        assert base.name.startswith("rec-") and synth.rendered == 1  # only "Hello." was TTS
        narrow = measure_wav(base.with_suffix(".wav"))
        wide = measure_wav(base.with_suffix(".wav16"))
        assert (narrow.rate, wide.rate) == (8000, 16000)
        assert round(narrow.seconds, 1) == round(wide.seconds, 1) == 2.5
        assert -3.5 < narrow.peak_dbfs < -2.5  # normalised like the synthesized prompts
        hello = await synth.render("Hello.", "en-US")
        assert not hello.name.startswith("rec-")
        # a new take is converted anew; the next build finds it cached
        record(source, seconds=1.5)
        again = await build_prompts(texts, synth, recordings=find_recordings(prompts),
                                    fragments=False)
        assert (again.recorded, again.rendered, again.cached) == (1, 0, 1)
        newer = await synth.render("Thank you for calling. Goodbye.", "en-US")
        assert newer != base and round(measure_wav(newer.with_suffix(".wav")).seconds, 1) == 1.5


async def test_silent_recording_is_reported_and_the_prompt_synthesized(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "zh-CN.yaml").write_text("goodbye: 感谢您的来电，再见。\n", encoding="utf-8")
    record(prompts / "recordings" / "zh-CN" / "goodbye.wav", amplitude=0)
    async with EspeakSynthesizer(tmp_path / "cache") as synth:
        result = await build_prompts(
            load_prompt_texts(prompts), synth, recordings=find_recordings(prompts))
        assert result.recorded == 0 and result.rendered == 1
        ((language, name, problem),) = result.failed
        assert (language, name) == ("zh-CN", "goodbye") and "silent" in problem
        base = await synth.render("感谢您的来电，再见。", "zh-CN")
        assert not base.name.startswith("rec-")


def test_flows_check_reports_recording_problems_as_file_and_problem(tmp_path: Path) -> None:
    flows, prompts = tmp_path / "flows", tmp_path / "prompts"
    shutil.copytree(ROOT / "flows", flows)
    shutil.copytree(ROOT / "prompts", prompts)
    recordings = prompts / "recordings"
    args = ["flows", "check", "--flows-dir", str(flows), "--prompts-dir", str(prompts)]
    record(recordings / "zh-CN" / "greeting.wav", rate=16000)
    record(recordings / "en-US" / "goodbye.wav", rate=8000)
    ok = CliRunner().invoke(cli, args)
    assert ok.exit_code == 0, ok.output
    record(recordings / "en-US" / "goodby.wav")
    record(recordings / "zh-CN" / "main_menu.wav", channels=2)
    record(recordings / "zh-CN" / "ticket_created.wav")
    (recordings / "zh-CN" / "transfer_agent.mp3").write_bytes(b"ID3")
    (recordings / "zh-CN" / "goodbye.wav").write_bytes(b"RIFF....WAVEfmt ")
    (recordings / "fr-FR").mkdir()
    bad = CliRunner().invoke(cli, args)
    assert bad.exit_code == 1
    lines = [line for line in bad.output.splitlines() if line.startswith(str(recordings))]
    assert lines == [
        f"{recordings / 'en-US' / 'goodby.wav'}: no prompt 'goodby' in en-US.yaml",
        f"{recordings / 'fr-FR'}: not a language folder (expected en-US, zh-CN)",
        f"{recordings / 'zh-CN' / 'goodbye.wav'}: not a PCM WAV file (fmt chunk and/or "
        "data chunk missing)",
        f"{recordings / 'zh-CN' / 'main_menu.wav'}: 2 channels: a prompt recording must be mono",
        f"{recordings / 'zh-CN' / 'ticket_created.wav'}: prompt 'ticket_created' has values "
        "read during the call; it keeps the synthesized voice",
        f"{recordings / 'zh-CN' / 'transfer_agent.mp3'}: not a .wav file",
    ]
    assert "6 problem(s) found" in bad.output
