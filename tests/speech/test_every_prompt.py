"""Every prompt of both languages, rendered by the real engine on a fresh data directory and
measured: no silent, clipped or runaway file may come out. Then the same prompts again and
again on fresh engines, to catch the engine's intermittent empty renderings."""

import string
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ivr.db.enums import Language
from ivr.flow.prompts import PromptCatalog, load_prompts
from ivr.speech.build import build_prompts, load_prompt_texts
from ivr.speech.joined import speakable
from ivr.speech.quality import check_wav
from ivr.speech.tts import EspeakSynthesizer

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
TZ = ZoneInfo("Asia/Shanghai")
SAMPLES: dict[str, Any] = {
    "text": "人民路88号",  # a Chinese address, in English prompts too
    "number": 342,
    "money": Decimal("128.50"),
    "date": date(2026, 11, 26),
    "time": datetime(2026, 11, 26, 18, 30, tzinfo=TZ),
    "datetime": datetime(2026, 11, 26, 8, 5, tzinfo=TZ),
    "digits": "R202611260001",
    "duration": 5400,
}


def sample_values(catalog: PromptCatalog, name: str, language: str) -> dict[str, Any]:
    """A value of the right kind for each field of prompt `name`."""
    values: dict[str, Any] = {}
    for field, kind in catalog.by_language[language][name].fields():
        if kind == "label":
            prefix = f"{field}_"
            names = sorted(catalog.by_language[language])
            values[field] = next(n[len(prefix) :] for n in names if n.startswith(prefix))
        else:
            values[field] = SAMPLES[kind]
    return values


def every_text() -> list[tuple[str, str, str]]:
    """(language, name, words) for every prompt, dynamic ones filled with sample values."""
    catalog = load_prompts(PROMPTS)
    return [
        (language, name, catalog.render(name, language, sample_values(catalog, name, language)))
        for language in Language
        for name in sorted(catalog.by_language[language])
    ]


def test_every_prompt_has_sample_values() -> None:
    texts = every_text()
    assert {lang for lang, _, _ in texts} == {"zh-CN", "en-US"}
    assert len(texts) == 2 * len(load_prompts(PROMPTS).by_language["zh-CN"]) > 90
    assert not [t for _, _, t in texts if any(n for _, n, _, _ in string.Formatter().parse(t))]


async def test_every_prompt_of_both_languages_renders_fit_audio(tmp_path: Path) -> None:
    async with EspeakSynthesizer(tmp_path / "prompt-cache", workers=2) as synth:
        static = await build_prompts(load_prompt_texts(PROMPTS), synth)
        assert static.failed == [] and static.rendered > 60
        unfit: list[str] = []
        for language, name, words in every_text():
            if not speakable(words):  # a separator joined into others' values, never played
                continue
            base = await synth.render(words, language)
            for suffix, rate in ((".wav", 8000), (".wav16", 16000)):
                try:
                    levels = check_wav(base.with_suffix(suffix), words, language)
                    assert levels.rate == rate
                except Exception as exc:
                    unfit.append(f"{language} {name}{suffix}: {exc}")
        assert unfit == []
        assert synth.failures == {}


@pytest.mark.slow  # about 35 s
async def test_same_prompts_many_times_on_fresh_engines(tmp_path: Path) -> None:
    """Ten rounds, each a new synthesizer (fresh engines) on an empty cache."""
    texts = [t for t in every_text() if len(t[2]) < 40][:16]
    retries = renders = 0
    for round_ in range(10):
        async with EspeakSynthesizer(tmp_path / f"round{round_}", workers=2) as synth:
            for language, _name, words in texts:
                base = await synth.render(words, language)
                check_wav(base.with_suffix(".wav"), words, language)
                check_wav(base.with_suffix(".wav16"), words, language)
            distinct = {(lang, words) for lang, _, words in texts}
            assert synth.failures == {} and synth.rendered == len(distinct)
            retries += synth.retries
            renders += synth.syntheses
    assert renders >= 10 * len(texts)
    assert retries < renders / 4  # retried now and then, not always
