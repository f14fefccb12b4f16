"""Voice messages kept with work orders; the contact type in the call log."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ivr.db.enums import ContactType
from ivr.db.session import Database
from ivr.services.calls import CallLog
from ivr.services.errors import ValidationError
from ivr.services.tickets import Tickets
from ivr.services.voice_messages import VoiceMessages

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


async def test_a_message_is_kept_with_its_work_order(db: Database, tmp_path: Path) -> None:
    root = tmp_path / "voice-messages"
    (root / "20261201").mkdir(parents=True)
    wav = root / "20261201" / "1700.1-1.wav"
    wav.write_bytes(b"RIFF....WAVE")
    ticket = await Tickets(db).open("praise", account=None, caller="+8613700000000",
                                    description="praise", call_uniqueid="1700.1")
    messages = VoiceMessages(db, root)
    kept = await messages.attach(ticket.id, wav, language="zh-CN", seconds=3.456,
                                 transcript=None, call_uniqueid="1700.1", recorded_at=T0)
    assert (kept.ticket_number, kept.seconds, kept.recorded_at) == (ticket.number, 3.46, T0)
    assert await messages.for_ticket(ticket.number.lower()) == [kept]
    assert await messages.for_ticket(str(ticket.id)) == [kept]
    assert await messages.audio(ticket.number, kept.id) == wav.resolve()
    # The directory may move: only the path inside it is stored.
    moved = tmp_path / "elsewhere"
    root.rename(moved)
    assert await VoiceMessages(db, moved).audio(ticket.number, kept.id) == (
        moved / "20261201" / "1700.1-1.wav").resolve()
    assert await VoiceMessages(db, root).audio(ticket.number, kept.id) is None  # file gone


async def test_unknown_orders_messages_and_paths(db: Database, tmp_path: Path) -> None:
    messages = VoiceMessages(db, tmp_path / "voice-messages")
    assert await messages.for_ticket("R20000101-0001") is None
    assert await messages.audio("R20000101-0001", 1) is None
    ticket = await Tickets(db).open("enquiry", account=None, caller=None, description="q",
                                    call_uniqueid=None)
    assert await messages.for_ticket(ticket.number) == []
    assert await messages.audio(ticket.number, 2**63) is None
    with pytest.raises(ValidationError) as caught:
        await messages.attach(ticket.id, tmp_path / "outside.wav", language="zh-CN",
                              seconds=1, transcript=None, call_uniqueid=None)
    assert caught.value.field == "path"


async def test_the_call_log_keeps_the_contact_type(db: Database) -> None:
    log = CallLog(db)
    await log.finish("1700.2", outcome="self_served", queue=None, account=None, ended_at=T0,
                     events=[], contact_type="enquiry")
    await log.finish("1700.3", outcome="self_served", queue=None, account=None, ended_at=T0,
                     events=[])
    first, second = await log.get("1700.2"), await log.get("1700.3")
    assert first is not None and first.contact_type is ContactType.ENQUIRY
    assert second is not None and second.contact_type is None
    with pytest.raises(ValidationError):
        await log.finish("1700.4", outcome="self_served", queue=None, account=None,
                         ended_at=T0, events=[], contact_type="gossip")
