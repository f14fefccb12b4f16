"""Spoken menu answers: caller utterances synthesised with espeak-ng, recognised from WAV files.

The utterances use a different voice (en-us+m7) and speed (170 wpm) from the prompts (en-us at
150), and are written as 8 kHz WAV, as Asterisk's RECORD FILE writes them and the PBX simulator
feeds them.
"""

import asyncio
import os
import subprocess
from pathlib import Path

import pytest

from ivr.speech.asr import (
    PocketsphinxRecognizer,
    RecognizerError,
    VoskRecognizer,
    match_phrase,
    read_wav,
    recognize_file,
)

MENU = ["power outage", "repair", "bill", "agent"]


def utterance(directory: Path, text: str, voice: str = "en-us+m7", speed: int = 170) -> Path:
    wide = directory / f"{text.replace(' ', '_')}.22k.wav"
    phone = directory / f"{text.replace(' ', '_')}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wide), text], check=True)
    subprocess.run(["sox", "-q", "-R", str(wide), "-r", "8000", "-b", "16", "-c", "1", str(phone)],
                   check=True)
    return phone


@pytest.fixture(scope="module")
def utterances(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("utterances")
    return {text: utterance(directory, text) for text in [*MENU, "hello there"]}


@pytest.mark.parametrize("said", MENU)
async def test_pocketsphinx_picks_the_spoken_menu_option(
    said: str, utterances: dict[str, Path]
) -> None:
    recognizer = PocketsphinxRecognizer()
    assert read_wav(utterances[said])[1] == 8000
    result = await recognize_file(recognizer, utterances[said], MENU, "en-US")
    assert result.phrase_index == MENU.index(said)
    assert result.text == said
    assert 0.0 < result.confidence <= 1.0


async def test_grammar_follows_the_menu_asked(utterances: dict[str, Path]) -> None:
    recognizer = PocketsphinxRecognizer(decoders=1)
    # The same decoder, two menus: the answer indexes the phrases of the menu asked.
    first = await recognize_file(recognizer, utterances["bill"], ["Repair", "Bill!"], "en-US")
    assert first.phrase_index == 1
    second = await recognize_file(recognizer, utterances["repair"], ["agent", "repair"], "en-US")
    assert second.phrase_index == 1


async def test_parallel_recognitions_each_get_their_answer(utterances: dict[str, Path]) -> None:
    recognizer = PocketsphinxRecognizer(decoders=2)
    results = await asyncio.gather(
        *(recognize_file(recognizer, utterances[s], MENU, "en-US") for s in MENU * 2))
    assert [r.phrase_index for r in results] == [0, 1, 2, 3] * 2


async def test_silence_matches_nothing() -> None:
    result = await PocketsphinxRecognizer().recognize(b"\0\0" * 8000, 8000, MENU, "en-US")
    assert result.phrase_index is None and result.confidence == 0.0


async def test_pocketsphinx_refuses_what_it_cannot_do() -> None:
    recognizer = PocketsphinxRecognizer()
    assert recognizer.supports("en-US") and not recognizer.supports("zh-CN")
    with pytest.raises(RecognizerError, match="English only"):
        await recognizer.recognize(b"\0\0" * 800, 8000, ["停电"], "zh-CN")
    with pytest.raises(RecognizerError, match="'kwh123' is not in"):
        await recognizer.recognize(b"\0\0" * 800, 8000, ["kwh123"], "en-US")


def test_match_phrase_ignores_case_and_punctuation() -> None:
    assert match_phrase("power outage", ["Repair", "Power outage."]) == 1
    assert match_phrase("", ["repair"]) is None
    assert match_phrase("billing", ["bill"]) is None


async def test_vosk_without_a_model_names_the_setting(tmp_path: Path) -> None:
    recognizer = VoskRecognizer({"zh-CN": tmp_path / "absent"},
                                {"zh-CN": "IVR_VOSK_MODEL_ZH_CN"})
    assert not recognizer.supports("zh-CN")
    with pytest.raises(RecognizerError, match=r"IVR_VOSK_MODEL_ZH_CN: no vosk model .*absent"):
        await recognizer.recognize(b"\0\0" * 800, 8000, ["停电"], "zh-CN")


VOSK_EN = os.environ.get("IVR_VOSK_MODEL_EN_US")


@pytest.mark.skipif(not VOSK_EN, reason="no vosk English model: set IVR_VOSK_MODEL_EN_US")
@pytest.mark.parametrize("said", MENU)
async def test_vosk_picks_the_spoken_menu_option(said: str, utterances: dict[str, Path]) -> None:
    assert VOSK_EN
    recognizer = VoskRecognizer({"en-US": Path(VOSK_EN)})
    result = await recognize_file(recognizer, utterances[said], MENU, "en-US")
    assert result.phrase_index == MENU.index(said)


def test_trim_silence_keeps_the_speech_and_a_margin() -> None:
    from ivr.speech.asr import trim_silence

    speech = (1000).to_bytes(2, "little", signed=True) * 80  # 10 ms at 8 kHz
    pcm = b"\0\0" * 8000 + speech + b"\0\0" * 4000
    trimmed = trim_silence(pcm, 8000, keep_ms=100)
    assert trimmed == b"\0\0" * 800 + speech + b"\0\0" * 800
    assert trim_silence(b"\0\0" * 8000, 8000) == b""


@pytest.mark.skipif(not VOSK_EN, reason="no vosk English model: set IVR_VOSK_MODEL_EN_US")
async def test_vosk_writes_down_a_voice_message(tmp_path: Path) -> None:
    assert VOSK_EN
    recognizer = VoskRecognizer({"en-US": Path(VOSK_EN)})
    assert recognizer.dictates("en-US") and not recognizer.dictates("zh-CN")
    said = "the power line is down near the school"
    pcm, rate = read_wav(utterance(tmp_path, said))
    text = await recognizer.dictate(pcm, rate, "en-US")
    heard = set(text.split())
    assert len(heard & set(said.split())) >= 4, text


def test_the_embedded_recogniser_does_not_dictate() -> None:
    from ivr.speech.asr import Dictation

    # Its general English model's transcripts were mostly wrong words: none is better.
    assert not isinstance(PocketsphinxRecognizer(), Dictation)
    assert isinstance(VoskRecognizer({"en-US": None}), Dictation)
    assert not VoskRecognizer({"en-US": None}).dictates("en-US")


def test_mandarin_dictation_is_written_without_spaces_between_characters() -> None:
    from ivr.speech.asr import _CJK_GAP

    assert _CJK_GAP.sub("", "电线 断 了 在 学校 门口 line 2") == "电线断了在学校门口 line 2"
