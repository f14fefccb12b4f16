"""The sounds Asterisk itself plays, in both languages: `ivr prompts pbx-sounds`.

Some audio never passes through the IVR: app_queue's hold announcements (position, estimated
wait) and the dialplan's apology when the IVR cannot be reached. Asterisk picks them by the
channel's language (`CHANNEL(language)`: `zh` or `en`) from `<sounds>/<language>/<name>`. The
stock sounds are English only, so the hotline writes its own, with the same engine and checks as
every prompt, into a tree laid out like Asterisk's sounds directory:

    <out>/zh/hotline/queue-thereare.wav    8 kHz 16-bit mono (Asterisk's `wav` format)
    <out>/zh/hotline/queue-thereare.sln16  16 kHz signed linear (wideband channels)
    <out>/zh/digits/1.wav ...              Mandarin numbers for SayNumber/SayDigits
    <out>/zh/letters/a.wav ...             letter names for SayAlpha
    <out>/en/hotline/...                   the same announcements in the hotline's English voice

queues.conf names the `hotline/...` sounds; extensions.conf sets the channel language and names
the fallback apology. English digits and letters come with Asterisk's stock sounds.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from ivr.asterisk_names import ASTERISK_LANGUAGES
from ivr.db.enums import Language
from ivr.speech.prompt_cache import temp_path
from ivr.speech.tts import EspeakSynthesizer

# hotline/<name>: what app_queue says while a caller waits (queues.conf), and the dialplan's
# fallback apology and overflow offer (extensions.conf). app_queue builds its sentences as
#   queue-youarenext                                  (first in line)
#   queue-thereare <position> queue-callswaiting      (caller number N)
#   queue-quantity1 <limit> queue-quantity2           (beyond announce-position-limit)
#   queue-holdtime <n> queue-minutes|queue-minute <n> queue-seconds  ... queue-thankyou
HOTLINE_SOUNDS: Final[Mapping[str, Mapping[Language, str]]] = {
    "queue-youarenext": {
        Language.ZH_CN: "您是下一位，马上为您接通。",
        Language.EN_US: "You are now first in line.",
    },
    "queue-thereare": {
        Language.ZH_CN: "您目前排在第",
        Language.EN_US: "You are currently caller number",
    },
    "queue-callswaiting": {
        Language.ZH_CN: "位，请您耐心等待。",
        Language.EN_US: "waiting to speak to an agent.",
    },
    "queue-quantity1": {
        Language.ZH_CN: "目前排队等候的客户超过",
        Language.EN_US: "There are more than",
    },
    "queue-quantity2": {
        Language.ZH_CN: "位。",
        Language.EN_US: "callers waiting.",
    },
    "queue-holdtime": {
        Language.ZH_CN: "预计等待时间约为",
        Language.EN_US: "The estimated waiting time is",
    },
    "queue-minutes": {Language.ZH_CN: "分钟。", Language.EN_US: "minutes."},
    "queue-minute": {Language.ZH_CN: "分钟。", Language.EN_US: "minute."},
    "queue-seconds": {Language.ZH_CN: "秒。", Language.EN_US: "seconds."},
    # periodic-announce: between the position/hold-time announcements
    "queue-periodic": {
        Language.ZH_CN: "目前来电较多，感谢您的耐心等待，我们会按顺序尽快为您接通。",
        Language.EN_US: "We are receiving many calls. Thank you for waiting: we will answer "
                        "you in turn as soon as we can.",
    },
    "queue-thankyou": {
        Language.ZH_CN: "感谢您的耐心等待，请不要挂机。",
        Language.EN_US: "Thank you for your patience. Please stay on the line.",
    },
    "fallback-apology": {
        Language.ZH_CN: "非常抱歉，系统暂时无法处理您的请求，正在为您转接人工服务，请稍候。",
        Language.EN_US: "We are sorry, the system cannot handle your request right now. "
                        "Please hold while we connect you to an agent.",
    },
    "fallback-busy": {
        Language.ZH_CN: "非常抱歉，目前坐席全忙，请您稍后再拨。感谢您的来电，再见。",
        Language.EN_US: "We are sorry, all our agents are busy. Please call again later. "
                        "Thank you for calling. Goodbye.",
    },
    # The dialplan's overflow path (more callers than IVR_MAX_CALLERS): Read() waits for the key.
    "overflow-offer": {
        Language.ZH_CN: "非常抱歉，当前来电较多，线路全忙。如需我们稍后给您回电，请按1。",
        Language.EN_US: "We are sorry, all our lines are busy because many people are calling. "
                        "To be called back at this number, press 1.",
    },
}

# Mandarin numbers as Asterisk's say.c reads them for `zh`: digits/0-9, the tens digits/10-90,
# hundred, thousand, wan (10 000), yi (10^8), minus. SayDigits uses digits/0-9.
_ZH_DIGITS = "零一二三四五六七八九"
ZH_DIGIT_SOUNDS: Final[Mapping[str, str]] = {
    **{str(n): _ZH_DIGITS[n] for n in range(10)},
    **{str(n * 10): ("" if n == 1 else _ZH_DIGITS[n]) + "十" for n in range(1, 10)},
    "hundred": "百", "thousand": "千", "wan": "万", "yi": "亿", "minus": "负",
}
# SayAlpha: letters/<a-z>, said by their English names in the Mandarin voice's place too.
LETTER_SOUNDS: Final[Mapping[str, str]] = {c: c.upper() for c in "abcdefghijklmnopqrstuvwxyz"}


@dataclass(frozen=True)
class PbxSound:
    language: Language
    path: str  # relative to the language folder, without extension: hotline/queue-thereare
    text: str


@dataclass
class PbxSoundsResult:
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[PbxSound, str]] = field(default_factory=list)


def pbx_sounds() -> list[PbxSound]:
    """Every sound `ivr prompts pbx-sounds` writes."""
    sounds = [
        PbxSound(language, f"hotline/{name}", texts[language])
        for name, texts in HOTLINE_SOUNDS.items()
        for language in Language
    ]
    sounds += [PbxSound(Language.ZH_CN, f"digits/{n}", t) for n, t in ZH_DIGIT_SOUNDS.items()]
    sounds += [PbxSound(Language.ZH_CN, f"letters/{c}", t) for c, t in LETTER_SOUNDS.items()]
    return sounds


async def write_pbx_sounds(
    out: Path, synth: EspeakSynthesizer, *, concurrency: int = 4
) -> PbxSoundsResult:
    """Render every PBX sound (checked like every prompt) and write it under `out`."""
    result = PbxSoundsResult()
    gate = asyncio.Semaphore(concurrency)

    async def one(sound: PbxSound) -> None:
        async with gate:
            try:
                base = await synth.render(sound.text, sound.language)
                target = out / ASTERISK_LANGUAGES[sound.language] / sound.path
                await _install(base, target, synth)
                result.written.append(target)
            except Exception as exc:  # reported per sound; the others are still written
                result.failed.append((sound, str(exc)))

    await asyncio.gather(*(one(sound) for sound in pbx_sounds()))
    return result


async def _install(base: Path, target: Path, synth: EspeakSynthesizer) -> None:
    """`<target>.wav` copied from the cache, `<target>.sln16` converted: each appears by rename."""
    await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
    wav, sln16 = temp_path(target, ".wav"), temp_path(target, ".sln16")
    try:
        await asyncio.to_thread(shutil.copyfile, base.with_suffix(".wav"), wav)
        await synth.sox("-q", "-t", "wav", str(base.with_suffix(".wav16")),
                         "-t", "raw", "-r", "16000", "-e", "signed-integer", "-b", "16",
                         "-c", "1", "-L", str(sln16))
        os.replace(sln16, target.with_suffix(".sln16"))
        os.replace(wav, target.with_suffix(".wav"))
    finally:
        wav.unlink(missing_ok=True)
        sln16.unlink(missing_ok=True)
