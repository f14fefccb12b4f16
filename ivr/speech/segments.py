"""Mixed-language text split into runs, each spoken by the voice of its own language.

A Mandarin prompt may hold English ("For English, press 9."), the letter of a work-order number
("R，二零二六"), and an English prompt may hold a Chinese address the caller typed in. espeak-ng's
Mandarin voice reads a Latin "R" as "ér"; its English voice reads Han characters as "Chinese
letter". So text is cut where the script changes: Han characters (and CJK punctuation) go to the
Mandarin voice, Latin letters to the English one. Digits, spaces and ASCII punctuation belong to
the run they follow (the "1" of "请按1" is read in Mandarin, the "9" of "press 9" in English); at
the start of the text they belong to the prompt's own language.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ivr.db.enums import Language


@dataclass(frozen=True)
class Segment:
    language: Language
    text: str


def _script(char: str) -> Language | None:
    """The language whose voice must read `char`; None: either voice can (digits, spaces...)."""
    if char.isascii():
        return Language.EN_US if char.isalpha() else None
    if unicodedata.east_asian_width(char) in "WF":  # Han, kana, fullwidth punctuation
        return Language.ZH_CN
    if char.isalpha():  # accented Latin letters and the like
        return Language.EN_US
    return None


def split_languages(text: str, language: Language) -> list[Segment]:
    """`text` as consecutive runs by voice; joining their texts gives `text` back."""
    runs: list[tuple[Language, list[str]]] = []
    for char in text:
        script = _script(char)
        if not runs:
            runs.append((script or language, [char]))
        elif script is None or script == runs[-1][0]:
            runs[-1][1].append(char)
        elif not "".join(runs[-1][1]).strip(" \t\n.,;:!?-'\"()"):
            # a run of only spaces and punctuation so far: it takes the first real script
            runs[-1] = (script, [*runs[-1][1], char])
        else:
            runs.append((script, [char]))
    segments = [Segment(lang, "".join(chars)) for lang, chars in runs]
    return _merge_silent(segments)


def _merge_silent(segments: list[Segment]) -> list[Segment]:
    """A run with nothing to say (only punctuation or spaces) joins the run before it."""
    merged: list[Segment] = []
    for segment in segments:
        if merged and not any(c.isalnum() for c in segment.text):
            merged[-1] = Segment(merged[-1].language, merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return merged
