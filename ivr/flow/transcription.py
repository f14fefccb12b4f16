"""Voice messages written down after the call, where a recogniser can dictate their language.

A message is marked "pending" when it is attached to its work order; this job claims a few at
a time (a conditional update, so several IVR processes share the work and none is done twice),
decodes them one after another in a worker thread, and stores the text on the message. Nothing
is lost to a crash: a claim left by a dead process is taken again after its lease, and a
message that keeps failing is left as "failed" with its audio for staff to hear.
"""

from __future__ import annotations

import asyncio
import logging
import wave
from collections.abc import Callable

from ivr.services.voice_messages import DictationJob, VoiceMessages
from ivr.speech.asr import Dictation, RecognizerError, read_wav

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0  # how soon a message attached by any process is picked up


class Transcriptions:
    def __init__(self, messages: VoiceMessages, dictation: Dictation, *,
                 poll_seconds: float = POLL_SECONDS,
                 on_error: Callable[[], None] | None = None) -> None:
        self._messages, self._dictation = messages, dictation
        self._poll = poll_seconds
        self._on_error = on_error

    async def run(self) -> None:
        """Write messages down as they come, until cancelled."""
        while True:
            try:
                done = await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away: try again at the next poll
                log.exception("voice-message transcription: cannot reach the messages")
                done = 0
            if not done:
                await asyncio.sleep(self._poll)

    async def drain(self) -> int:
        """Write down every message waiting now; how many were tried."""
        tried = 0
        while jobs := await self._messages.claim_dictation():
            for job in jobs:
                await self._messages.dictated(job.id, await self._write_down(job))
                tried += 1
        return tried

    async def _write_down(self, job: DictationJob) -> str | None:
        if not self._dictation.dictates(job.language):
            log.info("voice message %d: no recogniser dictates %s now", job.id, job.language)
            return None
        try:
            pcm, rate = await asyncio.to_thread(read_wav, job.path)
            text = await self._dictation.dictate(pcm, rate, job.language)
        except (OSError, EOFError, ValueError, wave.Error, RecognizerError) as exc:
            log.warning("voice message %d not written down: %s", job.id, exc)
            return None
        except Exception:
            log.exception("voice message %d not written down", job.id)
            if self._on_error is not None:
                self._on_error()
            return None
        log.info("voice message %d written down (%d characters)", job.id, len(text))
        return text
