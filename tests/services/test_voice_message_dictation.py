"""Voice messages waiting to be written down: claimed once across processes, retried, never lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ivr.db.session import Database
from ivr.services.tickets import Tickets
from ivr.services.voice_messages import CLAIM_LEASE, DICTATION_TRIES, VoiceMessages

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


async def _messages(db: Database, root: Path, count: int, *,
                    dictation: bool = True) -> tuple[VoiceMessages, str, list[int]]:
    messages = VoiceMessages(db, root)
    ticket = await Tickets(db).open("complaint", account=None, caller="+8613700000000",
                                    description="complaint", call_uniqueid="1700.9")
    ids = []
    for n in range(count):
        wav = root / f"m{n}.wav"
        wav.parent.mkdir(parents=True, exist_ok=True)
        wav.write_bytes(b"RIFF")
        kept = await messages.attach(ticket.id, wav, language="zh-CN", seconds=2.0,
                                     transcript="停电" if n == 0 else None,
                                     call_uniqueid="1700.9", dictation=dictation)
        ids.append(kept.id)
    return messages, ticket.number, ids


async def test_a_message_waits_until_it_is_written_down(db: Database, tmp_path: Path) -> None:
    messages, number, (first, second) = await _messages(db, tmp_path, 2)
    assert [m.dictation for m in await messages.for_ticket(number) or []] == ["pending"] * 2
    jobs = await messages.claim_dictation(limit=10, now=T0)
    assert [(j.id, j.path, j.language) for j in jobs] == [
        (first, tmp_path / "m0.wav", "zh-CN"), (second, tmp_path / "m1.wav", "zh-CN")]
    assert await messages.claim_dictation(now=T0) == []  # claimed: not handed out twice
    await messages.dictated(first, "")  # no words: the keyword heard during the call stays
    await messages.dictated(second, "门口的电线断了")
    listed = {m.id: m for m in await messages.for_ticket(number) or []}
    assert (listed[first].dictation, listed[first].transcript) == ("empty", "停电")
    assert (listed[second].dictation, listed[second].transcript) == ("done", "门口的电线断了")
    assert await messages.claim_dictation(now=T0 + CLAIM_LEASE * 2) == []


async def test_no_recogniser_for_the_language_means_nothing_waits(
        db: Database, tmp_path: Path) -> None:
    messages, number, _ = await _messages(db, tmp_path, 1, dictation=False)
    assert [m.dictation for m in await messages.for_ticket(number) or []] == [None]
    assert await messages.claim_dictation(now=T0) == []


async def test_a_claim_left_by_a_dead_process_is_taken_again(db: Database, tmp_path: Path) -> None:
    messages, _, (only,) = await _messages(db, tmp_path, 1)
    assert [j.id for j in await messages.claim_dictation(now=T0)] == [only]
    # The process died with it: within the lease nobody else takes it, after it somebody does.
    assert await messages.claim_dictation(now=T0 + CLAIM_LEASE - timedelta(seconds=1)) == []
    assert [j.id for j in await messages.claim_dictation(now=T0 + CLAIM_LEASE * 2)] == [only]


async def test_a_message_that_keeps_failing_ends_as_failed(db: Database, tmp_path: Path) -> None:
    messages, number, (only,) = await _messages(db, tmp_path, 1)
    for attempt in range(DICTATION_TRIES):
        assert [j.id for j in await messages.claim_dictation(now=T0)] == [only], attempt
        await messages.dictated(only, None)
    assert await messages.claim_dictation(now=T0) == []
    (message,) = await messages.for_ticket(number) or []
    assert (message.dictation, message.transcript) == ("failed", "停电")


async def test_racing_processes_share_the_messages_without_overlap(
        db: Database, tmp_path: Path) -> None:
    messages, _, ids = await _messages(db, tmp_path, 12)
    others = [VoiceMessages(db, tmp_path) for _ in range(4)]
    claimed = await asyncio.gather(*(m.claim_dictation(limit=5, now=T0) for m in others))
    taken = [job.id for jobs in claimed for job in jobs]
    assert len(taken) == len(set(taken))  # never the same message twice
    while jobs := await messages.claim_dictation(limit=5, now=T0):
        taken += [job.id for job in jobs]
    assert sorted(taken) == ids
