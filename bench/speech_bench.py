"""Speech figures: recogniser real-time factor, end-of-speech-to-result latency, memory, TTS time,
and the render time of every prompt with the share of renderings that needed a retry.

    .venv/bin/python bench/speech_bench.py [--rounds 20] [--prompt-rounds 5] [--prompts-only]

Prompts: every prompt of both languages (those with values filled with sample values), rendered
on an empty cache by a fresh synthesizer (fresh engines) `--prompt-rounds` times.

Utterances are synthesised with espeak-ng and fed as 8 kHz recordings, as Asterisk's RECORD
FILE delivers them; with recording, end of speech is when the file is complete, so latency here
is file-complete to result (add the RECORD FILE silence window, s=1 by default, for the caller).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ivr.db.enums import Language
from ivr.flow.prompts import load_prompts
from ivr.speech.asr import PocketsphinxRecognizer, read_wav, recognize_file
from ivr.speech.quality import check_wav
from ivr.speech.tts import EspeakSynthesizer

ROOT = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Asia/Shanghai")
SAMPLES: dict[str, Any] = {
    "text": "人民路88号", "number": 342, "money": Decimal("128.50"),
    "date": date(2026, 11, 26), "time": datetime(2026, 11, 26, 18, 30, tzinfo=TZ),
    "datetime": datetime(2026, 11, 26, 8, 5, tzinfo=TZ), "digits": "R202611260001",
    "duration": 5400,
}

MENU = ["power outage", "repair", "bill", "agent"]
PROMPTS = {
    "zh-CN": ["您好，欢迎致电供电服务热线。",
              "查询停电信息请按一，故障报修请按二，电费查询请按三。"],
    "en-US": ["Welcome to the power supply hotline.",
              "For outage information press one, to report a fault press two."],
}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_utterances(directory: Path) -> dict[str, Path]:
    files = {}
    for phrase in MENU:
        wide = directory / f"{phrase.replace(' ', '_')}.22k.wav"
        phone = directory / f"{phrase.replace(' ', '_')}.wav"
        subprocess.run(["espeak-ng", "-v", "en-us+m7", "-s", "170", "-w", str(wide), phrase],
                       check=True)
        subprocess.run(["sox", "-q", str(wide), "-r", "8000", str(phone)], check=True)
        files[phrase] = phone
    return files


async def bench_asr(files: dict[str, Path], rounds: int) -> None:
    before = _rss_mb()
    recognizer = PocketsphinxRecognizer(decoders=2)
    await recognize_file(recognizer, files["bill"], MENU, "en-US")  # load the model
    latencies, audio_seconds, correct = [], 0.0, 0
    for _ in range(rounds):
        for phrase, path in files.items():
            pcm, rate = read_wav(path)
            audio_seconds += len(pcm) / 2 / rate
            start = time.perf_counter()
            result = await recognizer.recognize(pcm, rate, MENU, "en-US")
            latencies.append(time.perf_counter() - start)
            correct += result.phrase_index == MENU.index(phrase)
    total = len(latencies)
    print("recogniser: pocketsphinx (embedded en-US), grammar of 4 phrases, 8 kHz input")
    print(f"  real-time factor     {sum(latencies) / audio_seconds:.3f}")
    print(f"  latency p50 / p99    {_pct(latencies, .5) * 1000:.1f} / "
          f"{_pct(latencies, .99) * 1000:.1f} ms (recording complete to result)")
    print(f"  accuracy             {correct}/{total}")
    print(f"  memory               {_rss_mb() - before:.0f} MB for 2 decoders "
          f"(process peak {_rss_mb():.0f} MB)")


async def bench_tts(directory: Path) -> None:
    async with EspeakSynthesizer(directory / "cache", workers=1) as synth:
        await synth.render("warm up", "en-US")
        for language, texts in PROMPTS.items():
            for text in texts:
                start = time.perf_counter()
                await synth.render(text, language)
                uncached = time.perf_counter() - start
                start = time.perf_counter()
                await synth.render(text, language)
                cached = time.perf_counter() - start
                print(f"tts {language}: {len(text):3} chars  uncached {uncached * 1000:6.1f} ms  "
                      f"cached {cached * 1000:6.3f} ms")


def every_prompt() -> list[tuple[str, str, str]]:
    """(language, name, words) for every prompt, values filled with samples."""
    catalog = load_prompts(ROOT / "prompts")
    out = []
    for language in Language:
        prompts = catalog.by_language[language]
        for name in sorted(prompts):
            values: dict[str, Any] = {}
            for field, kind in prompts[name].fields():
                if kind == "label":
                    values[field] = next(n[len(field) + 1:] for n in sorted(prompts)
                                         if n.startswith(field + "_"))
                else:
                    values[field] = SAMPLES[kind]
            out.append((language.value, name, catalog.render(name, language, values)))
    return out


async def bench_prompts(directory: Path, rounds: int) -> None:
    texts = every_prompt()
    times: dict[tuple[str, str], list[float]] = {}
    syntheses = retries = repeats = unfit = 0
    for round_ in range(rounds):
        async with EspeakSynthesizer(directory / f"prompts{round_}", workers=1) as synth:
            for language, name, words in texts:
                start = time.perf_counter()
                base = await synth.render(words, language)
                times.setdefault((language, name), []).append(time.perf_counter() - start)
                try:
                    check_wav(base.with_suffix(".wav"), words, language)
                except Exception:
                    unfit += 1
            syntheses += synth.syntheses
            retries += synth.retries
            repeats += synth.engine_retries
    renders = rounds * len(texts)
    print(f"prompts: {len(texts)} (both languages) x {rounds} rounds on fresh engines, "
          f"1 worker")
    print(f"  engine runs          {syntheses} (one per language segment and attempt)")
    print(f"  retried, fresh engine {retries} of {syntheses} ({100 * retries / syntheses:.2f}%)")
    print(f"  repeated in engine   {repeats} of {syntheses} ({100 * repeats / syntheses:.2f}%)"
          " (wrote no samples; the worker asked again)")
    print(f"  unfit files served   {unfit} of {renders}")
    every = [t for ts in times.values() for t in ts]
    print(f"  render time          p50 {_pct(every, .5) * 1000:.0f} ms  "
          f"p99 {_pct(every, .99) * 1000:.0f} ms  max {max(every) * 1000:.0f} ms")
    print("  per prompt (median ms, max ms, characters):")
    for (language, name), ts in sorted(times.items()):
        words = next(w for lang, n, w in texts if (lang, n) == (language, name))
        print(f"    {language} {name:30} {statistics.median(ts) * 1000:6.0f} "
              f"{max(ts) * 1000:6.0f} {len(words):4}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--prompt-rounds", type=int, default=5)
    parser.add_argument("--prompts-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.prompts_only:
            await bench_asr(make_utterances(Path(tmp)), args.rounds)
            await bench_tts(Path(tmp))
        await bench_prompts(Path(tmp), args.prompt_rounds)


if __name__ == "__main__":
    asyncio.run(main())
