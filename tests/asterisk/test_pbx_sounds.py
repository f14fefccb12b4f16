"""The PBX speaks Mandarin too: every sound asterisk-conf/ plays by name exists in both
languages, the channel language is set, and `ivr prompts pbx-sounds` writes what Asterisk reads."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr import asterisk_names as names
from ivr.cli.main import cli
from ivr.db.enums import Language
from ivr.speech.pbx_sounds import ZH_DIGIT_SOUNDS, pbx_sounds
from ivr.speech.quality import check_wav

from .confparse import CONF, parse

QUEUE_SOUND_OPTIONS = (
    "queue-youarenext", "queue-thereare", "queue-callswaiting", "queue-quantity1",
    "queue-quantity2", "queue-holdtime", "queue-minutes", "queue-minute",
    "queue-seconds", "queue-thankyou", "periodic-announce",
)


def sounds_played_by_the_config() -> set[str]:
    queues = parse(CONF / "queues.conf")
    played = {queues.value(q, option) for q in names.ASTERISK_QUEUES.values()
              for option in QUEUE_SOUND_OPTIONS}
    globals_ = parse(CONF / "extensions.conf").named("globals")[0]
    for variable in ("IVR_FALLBACK_PROMPT", "IVR_FALLBACK_BUSY_PROMPT", "IVR_OVERFLOW_PROMPT"):
        (value,) = globals_.get(variable)
        played.update(value.split("&"))
    return played


def test_every_sound_the_config_plays_is_written_in_both_languages() -> None:
    played = sounds_played_by_the_config()
    assert len(played) == len(QUEUE_SOUND_OPTIONS) + 3
    assert all(name.startswith("hotline/") for name in played)  # none left to stock English
    written = {(s.language, s.path) for s in pbx_sounds()}
    for language in Language:
        assert {(language, name) for name in played} <= written, language


def test_channel_language_is_set_before_the_ivr_runs_and_has_sounds() -> None:
    conf = parse(CONF / "extensions.conf")
    (default,) = conf.named("globals")[0].get("IVR_DEFAULT_LANGUAGE")
    assert default == names.DEFAULT_CHANNEL_LANGUAGE == "zh"
    assert set(names.ASTERISK_LANGUAGES.values()) == {"zh", "en"}
    for context in (names.IVR_CONTEXT, names.OUTBOUND_CONTEXT):
        (section,) = conf.named(context)
        first = section.lines[0][1]
        assert first.endswith(",1,Set(CHANNEL(language)=${IVR_DEFAULT_LANGUAGE})"), first
    assert names.channel_language("en-US") == "en" and names.channel_language("zh-CN") == "zh"


def test_mandarin_numbers_cover_what_say_number_plays() -> None:
    # say.c's Mandarin SayNumber: digits/0-9, the tens digits/10-90, hundred, thousand, wan, yi
    needed = {str(n) for n in range(10)} | {str(n) for n in range(10, 100, 10)}
    needed |= {"hundred", "thousand", "wan", "yi"}
    assert needed <= set(ZH_DIGIT_SOUNDS)
    assert ZH_DIGIT_SOUNDS["10"] == "十" and ZH_DIGIT_SOUNDS["20"] == "二十"
    letters = {s.path for s in pbx_sounds() if s.path.startswith("letters/")}
    assert len(letters) == 26


def test_pbx_sounds_command_writes_wav_and_sln16_that_are_heard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "sounds"
    result = CliRunner().invoke(cli, ["prompts", "pbx-sounds", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sounds = pbx_sounds()
    assert f"pbx sounds: {len(sounds)} written, 0 failed" in result.output
    for sound in sounds:
        base = out / names.ASTERISK_LANGUAGES[sound.language] / sound.path
        levels = check_wav(base.with_suffix(".wav"), sound.text, sound.language)
        with wave.open(str(base.with_suffix(".wav"))) as wav:
            assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        raw_seconds = base.with_suffix(".sln16").stat().st_size / (2 * 16000)
        assert raw_seconds == pytest.approx(levels.seconds, abs=0.01), sound
    assert not [p for p in out.rglob(".*")]  # no temp files left
    assert (out / "zh" / "hotline" / "queue-thereare.wav").exists()
    assert (out / "en" / "hotline" / "fallback-apology.sln16").exists()
