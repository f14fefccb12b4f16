"""Speech figures: recogniser real-time factor, end-of-speech-to-result latency, memory, TTS time.

    .venv/bin/python bench/speech_bench.py [--rounds 20]

Utterances are synthesised with espeak-ng and fed as 8 kHz recordings, as Asterisk's RECORD
FILE delivers them; with recording, end of speech is when the file is complete, so latency here
is file-complete to result (add the RECORD FILE silence window, s=1 by default, for the caller).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from ivr.speech.asr import PocketsphinxRecognizer, read_wav, recognize_file
from ivr.speech.tts import EspeakSynthesizer

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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await bench_asr(make_utterances(Path(tmp)), args.rounds)
        await bench_tts(Path(tmp))


if __name__ == "__main__":
    asyncio.run(main())
