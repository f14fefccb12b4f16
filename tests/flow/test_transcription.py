"""Voice messages written down after the call: marked while the caller speaks, written by the
background job from the WAV Asterisk wrote, stored on the message, never blocking the call.

The recogniser here is a test double of a dictating engine (no vosk model ships with the
tests); `tests/speech/test_asr.py` runs the real vosk dictation where a model is configured.
"""

from __future__ import annotations

import array
import asyncio
import wave
from collections.abc import Sequence
from pathlib import Path

from ivr.db.session import Database
from ivr.flow.transcription import Transcriptions
from ivr.flow.voice_message import CallMessages
from ivr.services.tickets import Tickets
from ivr.services.voice_messages import DICTATION_TRIES, VoiceMessages
from ivr.speech.asr import NOTHING, Recognition


class WritingRecogniser:
    """Dictates Mandarin only; "hears" the message's length in seconds, so each text depends on
    the audio it was given."""

    def __init__(self) -> None:
        self.dictated: list[float] = []
        self.fail = False

    def supports(self, language: str) -> bool:
        return language == "zh-CN"

    async def recognize(self, audio: bytes, sample_rate: int, phrases: Sequence[str],
                        language: str) -> Recognition:
        return NOTHING

    def dictates(self, language: str) -> bool:
        return language == "zh-CN"

    async def dictate(self, audio: bytes, sample_rate: int, language: str) -> str:
        if self.fail:
            raise RuntimeError("decoder crashed")
        seconds = len(audio) / 2 / sample_rate
        self.dictated.append(seconds)
        return f"留言{seconds:.1f}秒"


def speech_wav(path: Path, seconds: float, rate: int = 8000) -> Path:
    square = [4000 if (n // 20) % 2 else -4000 for n in range(int(rate * seconds))]
    samples = array.array("h", square)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


async def _leave(db: Database, root: Path, recogniser: WritingRecogniser, language: str,
                 seconds: float) -> tuple[VoiceMessages, str]:
    call = CallMessages(root, "1700.5", recogniser)
    wav = speech_wav((await call.next_base()).with_suffix(".wav"), seconds)
    kept = await call.keep(wav, language)
    assert kept is not None and kept.dictation == (language == "zh-CN")
    messages = VoiceMessages(db, root)
    ticket = await Tickets(db).open("complaint", account=None, caller="+8613700000000",
                                    description="complaint", call_uniqueid="1700.5")
    for message in call.take():
        await messages.attach(ticket.id, message.path, language=message.language,
                              seconds=message.seconds, transcript=message.transcript,
                              call_uniqueid="1700.5", dictation=message.dictation)
    return messages, ticket.number


async def test_a_message_is_written_down_after_the_call(db: Database, tmp_path: Path) -> None:
    recogniser = WritingRecogniser()
    messages, number = await _leave(db, tmp_path, recogniser, "zh-CN", 2.5)
    assert recogniser.dictated == []  # nothing decoded while the caller was on the line
    (waiting,) = await messages.for_ticket(number) or []
    assert (waiting.dictation, waiting.transcript) == ("pending", None)
    assert await Transcriptions(messages, recogniser).drain() == 1
    (done,) = await messages.for_ticket(number) or []
    assert (done.dictation, done.transcript) == ("done", "留言2.5秒")
    assert await Transcriptions(messages, recogniser).drain() == 0  # not written twice


async def test_a_language_nobody_dictates_is_not_queued(db: Database, tmp_path: Path) -> None:
    recogniser = WritingRecogniser()
    messages, number = await _leave(db, tmp_path, recogniser, "en-US", 1.5)
    (message,) = await messages.for_ticket(number) or []
    assert message.dictation is None
    assert await Transcriptions(messages, recogniser).drain() == 0


async def test_a_crashing_decoder_is_retried_then_left_as_failed(
        db: Database, tmp_path: Path) -> None:
    recogniser = WritingRecogniser()
    messages, number = await _leave(db, tmp_path, recogniser, "zh-CN", 1.0)
    recogniser.fail = True
    errors: list[int] = []
    job = Transcriptions(messages, recogniser, on_error=lambda: errors.append(1))
    assert await job.drain() == DICTATION_TRIES
    (message,) = await messages.for_ticket(number) or []
    assert message.dictation == "failed" and len(errors) == DICTATION_TRIES
    assert await messages.audio(number, message.id) is not None  # the caller's words are kept


async def test_a_deleted_recording_fails_without_stopping_the_job(
        db: Database, tmp_path: Path) -> None:
    recogniser = WritingRecogniser()
    messages, number = await _leave(db, tmp_path, recogniser, "zh-CN", 1.0)
    for wav in await asyncio.to_thread(lambda: list(tmp_path.rglob("*.wav"))):
        await asyncio.to_thread(wav.unlink)
    job = asyncio.create_task(Transcriptions(messages, recogniser, poll_seconds=0.05).run())
    try:
        for _ in range(200):
            (message,) = await messages.for_ticket(number) or []
            if message.dictation == "failed":
                break
            await asyncio.sleep(0.02)
        assert message.dictation == "failed"
        assert not job.done()  # the job goes on for the next message
    finally:
        job.cancel()
