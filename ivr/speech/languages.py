"""What the speech layer knows about each of the hotline's languages, in one table.

The languages themselves are `Language` (ivr/db/enums.py). A new language is its entry there,
its row here, and its content: `prompts/<language>.yaml` and its PBX sound texts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

from ivr.db.enums import Language
from ivr.speech import say_en, say_zh


@dataclass(frozen=True)
class SpeechLanguage:
    voice: str  # the espeak-ng voice that speaks it
    reader: ModuleType  # how values (numbers, money, dates, digits) are read: say_zh, say_en
    vosk_setting: str  # the setting naming its vosk model directory
    asterisk: str  # CHANNEL(language): Asterisk plays its own sounds from sounds/<this>/
    # Seconds a spoken unit takes at the hotline's rate, for the length check of a rendering.
    seconds_per_latin: float
    seconds_per_digit: float
    list_separator: str = ", "  # between the items of a spoken list (areas, transformers)


SPEECH_LANGUAGES: Mapping[Language, SpeechLanguage] = {
    # `cmn-latn-pinyin`, not `cmn`: espeak-ng turns characters into tone-numbered pinyin, and
    # the plain `cmn` voice then reads those tone digits as English numbers ("ni two hao three").
    Language.ZH_CN: SpeechLanguage("cmn-latn-pinyin", say_zh, "IVR_VOSK_MODEL_ZH_CN", "zh",
                                   seconds_per_latin=0.08, seconds_per_digit=0.25,
                                   list_separator="、"),
    Language.EN_US: SpeechLanguage("en-us", say_en, "IVR_VOSK_MODEL_EN_US", "en",
                                   seconds_per_latin=0.07, seconds_per_digit=0.3),
}


def speech_language(language: str) -> SpeechLanguage:
    """The row for `language` (a `Language` value); ValueError names the known ones."""
    try:
        return SPEECH_LANGUAGES[Language(language)]
    except ValueError:
        known = ", ".join(language.value for language in Language)
        raise ValueError(f"unknown language {language!r} (languages: {known})") from None
