"""Voice messages a caller leaves (RECORD FILE after a tone), kept with the next work order.

Unlike spoken menu answers (`speech_input.py`, deleted once recognised), these recordings are
the caller's own words for staff to hear: Asterisk writes them under the data directory's
`voice-messages/<date>/`, and the `ticket` node the flow reaches next attaches them to the work
order it opens. A recording with no speech in it is deleted and counts as "no message".

While the call goes on, only the node's keywords are picked out (a short, closed-grammar
decode). Where a recogniser can write the language down freely, the message is marked for
dictation and `ivr/flow/transcription.py` writes its text afterwards: open-vocabulary
decoding takes seconds of CPU, which no caller should wait for.
"""

from __future__ import annotations

import asyncio
import logging
import re
import wave
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ivr.speech.asr import Dictation, Recognizer, RecognizerError, read_wav, trim_silence

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
MIN_SPEECH_SECONDS = 0.3  # less sound than this (after trimming silence) is no message


@dataclass(frozen=True)
class RecordedMessage:
    """One kept recording, waiting for the work order it belongs to."""

    path: Path  # the WAV file
    language: str
    seconds: float
    transcript: str | None  # the keywords heard, while the call goes on
    recorded_at: datetime
    dictation: bool = False  # to be written down freely after the call (a model serves it)


@dataclass
class CallMessages:
    """One call's voice messages: where Asterisk writes them, and those not yet attached."""

    root: Path
    uniqueid: str
    recognizer: Recognizer | None = None
    pending: list[RecordedMessage] = field(default_factory=list)
    _count: int = 0

    async def next_base(self) -> Path:
        """A new recording's path without extension, its directory created (and group-writable:
        Asterisk writes there as its own user)."""
        self._count += 1
        day = datetime.now(UTC).strftime("%Y%m%d")
        directory = self.root.resolve() / day
        await asyncio.to_thread(_make_dir, directory)
        name = _UNSAFE.sub("_", self.uniqueid) or "call"
        return directory / f"{name}-{self._count}"

    async def keep(self, wav: Path, language: str,
                   keywords: Sequence[str] = ()) -> RecordedMessage | None:
        """The recording as a message, or None (file deleted) when there is no speech in it."""
        try:
            pcm, rate = await asyncio.to_thread(read_wav, wav)
        except (OSError, EOFError, ValueError, wave.Error, RecognizerError):
            log.warning("call %s: voice message %s unreadable", self.uniqueid, wav)
            await asyncio.to_thread(wav.unlink, missing_ok=True)
            return None
        spoken = await asyncio.to_thread(trim_silence, pcm, rate)
        if len(spoken) / 2 / rate < MIN_SPEECH_SECONDS:
            await asyncio.to_thread(wav.unlink, missing_ok=True)
            return None
        transcript = await self._transcribe(pcm, rate, language, keywords)
        message = RecordedMessage(wav, language, len(pcm) / 2 / rate, transcript,
                                  datetime.now(UTC), dictation=self._dictates(language))
        self.pending.append(message)
        return message

    def take(self) -> list[RecordedMessage]:
        """The messages waiting for a work order (and no longer waiting)."""
        taken, self.pending = self.pending, []
        return taken

    def _dictates(self, language: str) -> bool:
        recognizer = self.recognizer
        return isinstance(recognizer, Dictation) and recognizer.dictates(language)

    async def _transcribe(self, pcm: bytes, rate: int, language: str,
                          keywords: Sequence[str]) -> str | None:
        """What the recogniser heard, where one serves the language. The recognisers are
        restricted to given phrases (no open dictation), so the transcript is the keyword
        heard among the node's `keywords`; without keywords or a recogniser: none."""
        recognizer = self.recognizer
        if recognizer is None or not keywords or not recognizer.supports(language):
            return None
        try:
            heard = await recognizer.recognize(pcm, rate, keywords, language)
        except Exception:
            log.exception("call %s: voice message not transcribed", self.uniqueid)
            return None
        return heard.text or None


def _make_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o770)
