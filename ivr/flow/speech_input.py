"""Spoken answers to a menu: record the caller with RECORD FILE, recognise, delete the audio.

Asterisk writes the recording into a directory private to the call under
`DATA_DIR/recordings` (shared with Asterisk like the prompt cache, at the same absolute path).
Caller audio is personal data: each file is deleted as soon as it has been read, and the call's
directory when the call ends, so nothing of the caller's voice is kept by default.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ivr.channel import Channel
from ivr.flow.schema import DIGITS
from ivr.speech.asr import Recognizer, read_wav

# Asterisk ends the recording after this much silence, counted from the start of the recording
# too (res_agi.c handle_recordfile), so it is also how long a caller may hesitate before
# speaking; one second cuts off callers who draw breath first.
SILENCE_SECONDS = 2
log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class SpokenChoice:
    """What the recogniser made of one answer."""

    text: str  # what the engine heard ("" for nothing)
    confidence: float
    option: str | None  # the menu option whose phrase was heard, None when none was
    phrase: str | None  # that phrase as the flow spells it (read back when confirming)


NO_ANSWER = SpokenChoice("", 0.0, None, None)  # nothing heard: the menu asks again


@dataclass(frozen=True)
class Answer:
    """The caller's answer: a key pressed while recording, or speech."""

    digit: str | None
    spoken: SpokenChoice | None


class CallSpeech:
    """One call's speech input: its recogniser and private recordings directory."""

    def __init__(self, recognizer: Recognizer, recordings_dir: Path, uniqueid: str) -> None:
        self.recognizer = recognizer
        # resolved once by the runner; resolve() is a stat() per call
        self._root = recordings_dir if recordings_dir.is_absolute() else recordings_dir.resolve()
        self.uniqueid = uniqueid
        self._prefix = _UNSAFE.sub("_", uniqueid) or "call"
        self._dir: Path | None = None
        self._count = 0

    def offers(self, language: str) -> bool:
        return self.recognizer.supports(language)

    async def listen(self, channel: Channel, phrases: Mapping[str, Sequence[str]],
                     language: str, max_seconds: int) -> Answer:
        """Record one answer and recognise it among `phrases` (option → phrases).

        Every key ends the recording, so a key pressed while the caller is heard always wins.
        """
        base = await self._next_path()
        wav = base.with_name(base.name + ".wav")
        try:
            result = await channel.record_file(
                str(base), "wav", DIGITS, timeout_ms=max_seconds * 1000,
                silence_seconds=SILENCE_SECONDS, beep=True)
            if result.digit:
                return Answer(result.digit, None)
            try:
                pcm, rate = await asyncio.to_thread(read_wav, wav)
            except FileNotFoundError:
                # Expected: Asterisk writes nothing for a caller who said nothing or hung up.
                log.info("call %s: no recording of the spoken answer (%s): no answer",
                         self.uniqueid, result.reason)
                return Answer(None, NO_ANSWER)
        finally:
            await asyncio.to_thread(wav.unlink, missing_ok=True)
        flat = [(option, phrase) for option, said in phrases.items() for phrase in said]
        heard = await self.recognizer.recognize(pcm, rate, [p for _, p in flat], language)
        if heard.phrase_index is None:
            return Answer(None, SpokenChoice(heard.text, heard.confidence, None, None))
        option, phrase = flat[heard.phrase_index]
        return Answer(None, SpokenChoice(heard.text, heard.confidence, option, phrase))

    async def close(self) -> None:
        """Remove the call's recordings directory (and anything a failed step left in it)."""
        if self._dir is not None:
            await asyncio.to_thread(shutil.rmtree, self._dir, ignore_errors=True)
            self._dir = None

    async def _next_path(self) -> Path:
        if self._dir is None:
            self._dir = await asyncio.to_thread(self._make_dir)
        self._count += 1
        return self._dir / f"answer-{self._count}"

    def _make_dir(self) -> Path:
        self._root.mkdir(parents=True, exist_ok=True)
        directory = Path(tempfile.mkdtemp(prefix=f"{self._prefix}-", dir=self._root))
        # Asterisk writes here as its own user, typically sharing a group with the IVR.
        directory.chmod(0o770)
        return directory
