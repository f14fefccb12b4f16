"""Sentences with values joined from fragments, measured: the real engine (espeak-ng), sox, the
shipped prompts; the joined audio against the same sentence rendered whole."""

from __future__ import annotations

import array
import itertools
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ivr.flow.prompts import load_prompts
from ivr.speech.build import load_prompt_texts
from ivr.speech.g711 import pcm16_from_alaw
from ivr.speech.joined import PAUSE_MS, Joiner, fragment_texts, value_words, vocabulary
from ivr.speech.quality import duration_bounds, measure_audio, measure_wav
from ivr.speech.tts import EspeakSynthesizer

ROOT = Path(__file__).resolve().parents[2]
BILL = {"balance": Decimal("342.39"), "bill_amount": Decimal("100.05"), "bill_kwh": 396,
        "bill_due": date(2026, 11, 23)}
LONGEST_PAUSE_S = 0.45  # a comma's pause plus what espeak leaves inside a fragment


def longest_silence(path: Path, level: int = 300) -> float:
    """The longest run of near-silence inside an 8 kHz A-law file (its ends excluded), in
    seconds."""
    samples = array.array("h", pcm16_from_alaw(path.read_bytes()))
    loud = [i for i, s in enumerate(samples) if abs(s) >= level]
    gaps = [b - a for a, b in itertools.pairwise(loud)]
    return max(gaps, default=0) / 8000


@pytest.mark.parametrize(("language", "name", "values"), [
    ("zh-CN", "bill_summary", BILL),
    ("en-US", "bill_summary", BILL),
    ("zh-CN", "ticket_created", {"ticket_number": "R20261122-0042"}),
    ("en-US", "ticket_created", {"ticket_number": "R20261122-0042"}),
])
async def test_joined_sentence_measures_like_the_whole_sentence(
        tmp_path: Path, language: str, name: str, values: dict[str, object]) -> None:
    catalog = load_prompts(ROOT / "prompts")
    text = catalog.render(name, language, values)
    parts = catalog.parts(name, language, values)
    assert "".join(p.text for p in parts) == text
    async with EspeakSynthesizer(tmp_path / "cache", workers=2) as synth:
        joiner = Joiner(synth)
        joined = await joiner.render(parts, text, language)
        whole = await synth.render(text, language)
        rendered = synth.rendered
        again = await joiner.render(parts, text, language)
        assert again == joined and synth.rendered == rendered and joiner.joined == 1
    assert joined.with_suffix(".txt").read_text(encoding="utf-8") == text + "\n"
    # what a caller on the carrier's A-law trunk hears, as Asterisk sends it: raw 8 kHz A-law,
    # no other file for one caller's sentence
    audio = joined.with_suffix(".alaw")
    assert not any(joined.with_suffix(s).exists() for s in (".wav", ".wav16"))
    a, b = measure_audio(audio), measure_wav(whole.with_suffix(".wav"))
    low, high = duration_bounds(text, language)
    assert low <= a.seconds <= high, (a.seconds, low, high)
    assert 0.6 <= a.seconds / b.seconds <= 1.5, (a.seconds, b.seconds)
    assert abs(a.rms_dbfs - b.rms_dbfs) <= 4.0, (a.rms_dbfs, b.rms_dbfs)
    assert a.peak_dbfs >= -4.0  # fragments keep the prompts' -3 dBFS normalisation
    assert longest_silence(audio) <= LONGEST_PAUSE_S


def test_value_words_come_from_the_vocabulary() -> None:
    catalog = load_prompts(ROOT / "prompts")
    for language in ("zh-CN", "en-US"):
        known = vocabulary(language) | {","}
        for name, values in (("bill_summary", BILL), ("last_payment", {
                "payment_amount": Decimal("0.05"), "payment_date": date(2026, 1, 31)}),
                ("ticket_created", {"ticket_number": "R20261122-0042"})):
            for part in catalog.parts(name, language, values):
                if part.kind not in ("fixed", "text"):
                    assert set(value_words(part.text, language)) <= known, part.text


def test_build_lists_the_fixed_parts_and_the_vocabulary() -> None:
    texts = load_prompt_texts(ROOT / "prompts")
    fragments = fragment_texts(texts)
    assert {"您的账户当前欠费", "。最近一期电费", "三", "元", "R"} <= fragments["zh-CN"]
    assert {"Your account balance owed is ", "forty-two", "yuan", "November"} <= \
        fragments["en-US"]
    assert PAUSE_MS < LONGEST_PAUSE_S * 1000
