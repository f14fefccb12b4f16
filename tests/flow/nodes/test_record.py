"""`record`: the caller's own words after a tone, kept for the next work order."""

from __future__ import annotations

import array
import wave
from collections.abc import Sequence
from pathlib import Path

import pytest

from ivr.channel import ChannelHangup, RecordingFailed
from ivr.db.session import Database
from ivr.flow.nodes import record, ticket
from ivr.flow.nodes.record import NO_MESSAGE, RecordNode
from ivr.flow.nodes.ticket import TicketNode
from ivr.flow.voice_message import CallMessages
from ivr.pbxsim.caller import Response
from ivr.pbxsim.memory_channel import MemoryChannel, hang_up_during, press
from ivr.services.hotline_services import HotlineServices
from ivr.services.tickets import Tickets
from ivr.speech.asr import Recognition
from tests.flow.nodes.factory import (
    RING_SECONDS,
    TIMEZONE,
    ZH,
    events,
    kinds,
    make_context,
    prompts_heard,
    shipped_node,
)

# danger_location, into danger_location, max 30 s, silence 3 s, next create
DANGER = shipped_node("danger", "ask_location", RecordNode)
# complaint_record, into voice_message, max 90 s, English keywords, next create
COMPLAINT = shipped_node("complaint", "message", RecordNode)
# "danger: sparks, wire down or fire; location: {danger_location}", next to_emergency
DANGER_TICKET = shipped_node("danger", "create", TicketNode)
RATE = 8000  # Asterisk's wav: 16-bit mono at 8 kHz


class Asterisk:
    """Stands for Asterisk writing the recording (MemoryChannel's `on_record`): `seconds` of
    sound, or of digital silence when the caller says nothing."""

    def __init__(self, seconds: float = 2.0, *, speaks: bool = True) -> None:
        self.seconds = seconds
        self.speaks = speaks
        self.written: list[tuple[Path, str]] = []  # (file, what the caller did)

    def __call__(self, filename: str, fmt: str, response: Response) -> None:
        path = Path(f"{filename}.{fmt}")
        level = 3000 if self.speaks else 0
        samples = array.array("h", [level, -level] * int(RATE * self.seconds / 2))
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(samples.tobytes())
        self.written.append((path, response.kind))


class Hears:
    """A `Recognizer` that hears `text` in any message (and is asked which keywords)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.asked: list[Sequence[str]] = []

    def supports(self, language: str) -> bool:
        return language == "en-US"

    async def recognize(self, audio: bytes, sample_rate: int, phrases: Sequence[str],
                        language: str) -> Recognition:
        self.asked.append(list(phrases))
        return Recognition(self.text, 0.8, list(phrases).index(self.text))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Where voice messages go, as an absolute path without links (as CallMessages uses it)."""
    return tmp_path.resolve()


async def test_message_is_kept_and_described_for_the_work_order(
    services: HotlineServices, root: Path
) -> None:
    asterisk = Asterisk(2.0)
    channel = MemoryChannel(["say:东风路口的电线掉了"], on_record=asterisk)
    ctx = make_context(channel, services=services)
    ctx.messages = messages = CallMessages(root, channel.uniqueid)
    assert await record.run(DANGER, ctx) == "create"
    assert channel.verbs() == ["STREAM FILE", "RECORD FILE"]
    assert prompts_heard(ctx) == ["danger_location"]
    base, *rest = channel.commands[1].args
    # A tone, 30 s at most, 3 s of silence ends it, `#` finishes.
    assert rest == ["wav", "#", "30000", "BEEP", "s=3"]
    assert Path(base).parent.parent == root
    assert Path(base).name == f"{channel.uniqueid}-1"
    assert channel.recordings[0].result.reason == "silence"
    [message] = messages.pending
    assert message.path == Path(f"{base}.wav") and message.path.is_file()
    assert (message.language, message.seconds, message.transcript) == ("zh-CN", 2.0, None)
    assert ctx.vars["danger_location"] == "voice message (2 s)"
    assert events(ctx, "voice_message") == [
        {"kept": True, "seconds": 2.0, "transcribed": False, "hung_up": False}]
    assert events(ctx, "key") == []


async def test_silence_is_no_message_and_the_file_is_deleted(
    services: HotlineServices, tmp_path: Path
) -> None:
    asterisk = Asterisk(3.0, speaks=False)
    channel = MemoryChannel([""], on_record=asterisk)
    ctx = make_context(channel, services=services)
    ctx.messages = messages = CallMessages(tmp_path, channel.uniqueid)
    assert await record.run(DANGER, ctx) == "create"  # the work order is opened all the same
    [(path, _)] = asterisk.written
    assert not path.exists()
    assert messages.pending == []
    assert ctx.vars["danger_location"] == NO_MESSAGE
    assert events(ctx, "voice_message") == [{"kept": False, "reason": "no speech"}]


async def test_no_file_written_is_no_message(services: HotlineServices, tmp_path: Path) -> None:
    channel = MemoryChannel(["say:hello"])  # Asterisk answered, but no file is there
    ctx = make_context(channel, services=services)
    ctx.messages = messages = CallMessages(tmp_path, channel.uniqueid)
    assert await record.run(DANGER, ctx) == "create"
    assert messages.pending == []
    assert ctx.vars["danger_location"] == NO_MESSAGE
    assert events(ctx, "voice_message") == [{"kept": False, "reason": "no speech"}]


async def test_hash_finishes_the_message(services: HotlineServices, tmp_path: Path) -> None:
    channel = MemoryChannel(["#"], on_record=Asterisk(1.0))  # spoke, then pressed #
    ctx = make_context(channel, services=services)
    ctx.messages = messages = CallMessages(tmp_path, channel.uniqueid)
    assert await record.run(DANGER, ctx) == "create"
    assert channel.recordings[0].result.digit == "#"
    assert channel.recordings[0].result.reason == "dtmf"
    assert events(ctx, "key") == [{"digits": "#", "during": "danger_location"}]
    assert len(messages.pending) == 1
    assert ctx.vars["danger_location"] == "voice message (1 s)"
    assert kinds(ctx) == ["prompt", "key", "voice_message"]


async def test_keys_after_the_hash_wait_for_the_next_question(
    services: HotlineServices, tmp_path: Path
) -> None:
    channel = MemoryChannel(["#1"], on_record=Asterisk())
    ctx = make_context(channel, services=services)
    ctx.messages = CallMessages(tmp_path, channel.uniqueid)
    assert await record.run(DANGER, ctx) == "create"
    assert channel.keys_pressed == ["#"]
    assert await channel.wait_for_digit(5000) == "1"


async def test_other_key_while_recording_does_not_end_it(
    services: HotlineServices, tmp_path: Path
) -> None:
    channel = MemoryChannel(["5"], on_record=Asterisk())
    ctx = make_context(channel, services=services)
    ctx.messages = messages = CallMessages(tmp_path, channel.uniqueid)
    assert await record.run(DANGER, ctx) == "create"
    assert channel.keys_pressed == ["5"]  # read by Asterisk and dropped
    [recording] = channel.recordings
    assert (recording.result.digit, recording.result.reason) == (None, "silence")
    assert events(ctx, "key") == []
    assert len(messages.pending) == 1


async def test_key_during_the_prompt_is_dropped(
    services: HotlineServices, tmp_path: Path
) -> None:
    # Nothing interrupts the prompt: the caller hears it out, and the tone, before speaking.
    channel = MemoryChannel(["say:地址"], during=[press("#", during=ZH["danger_location"])],
                            on_record=Asterisk())
    ctx = make_context(channel, services=services)
    ctx.messages = CallMessages(tmp_path, channel.uniqueid)
    assert await record.run(DANGER, ctx) == "create"
    assert channel.commands[0].args[1] == ""  # no escape digits for the prompt
    assert channel.verbs() == ["STREAM FILE", "RECORD FILE"]
    assert events(ctx, "key") == []
    assert channel.recordings[0].result.reason == "silence"


async def test_recording_failure_still_opens_the_work_order(
    services: HotlineServices, tmp_path: Path
) -> None:
    channel = MemoryChannel([RecordingFailed("Asterisk could not create it")])
    ctx = make_context(channel, services=services)
    ctx.messages = messages = CallMessages(tmp_path, channel.uniqueid)
    assert await record.run(DANGER, ctx) == "create"
    assert messages.pending == []
    assert ctx.vars["danger_location"] == NO_MESSAGE
    assert events(ctx, "error") == [{"error": "RecordingFailed", "during": "record"}]
    assert events(ctx, "voice_message") == []
    assert not channel.hung_up


async def test_no_directory_for_messages_skips_the_recording(
    services: HotlineServices, tmp_path: Path
) -> None:
    root = tmp_path / "not-a-directory"
    root.write_text("")
    channel = MemoryChannel(["say:地址"])
    ctx = make_context(channel, services=services)
    ctx.messages = CallMessages(root, channel.uniqueid)
    assert await record.run(DANGER, ctx) == "create"
    assert channel.verbs() == ["STREAM FILE"]
    assert ctx.vars["danger_location"] == NO_MESSAGE
    [error] = events(ctx, "error")
    assert error["during"] == "record"
    assert channel.responses_left == 1


async def test_without_voice_messages_the_prompt_plays_and_nothing_is_recorded(
    services: HotlineServices,
) -> None:
    channel = MemoryChannel(["say:地址"])
    ctx = make_context(channel, services=services)
    assert ctx.messages is None
    assert await record.run(DANGER, ctx) == "create"
    assert channel.verbs() == ["STREAM FILE"]
    assert ctx.vars["danger_location"] == NO_MESSAGE
    assert events(ctx, "voice_message") == [{"kept": False, "reason": "not configured"}]


async def test_hang_up_after_speaking_keeps_the_message(
    services: HotlineServices, tmp_path: Path
) -> None:
    # Asterisk keeps what was recorded: the words go on to the work order.
    asterisk = Asterisk(0.8)
    channel = MemoryChannel(["h"], on_record=asterisk)
    ctx = make_context(channel, services=services)
    ctx.messages = messages = CallMessages(tmp_path, channel.uniqueid)
    assert await record.run(DANGER, ctx) == "create"
    assert channel.hung_up
    assert [kind for _, kind in asterisk.written] == ["hangup"]
    assert channel.recordings == []  # RECORD FILE answered with the hang-up, not a result
    [message] = messages.pending
    assert message.path.is_file()
    assert ctx.vars["danger_location"] == "voice message (1 s)"
    assert events(ctx, "voice_message") == [
        {"kept": True, "seconds": 0.8, "transcribed": False, "hung_up": True}]
    with pytest.raises(ChannelHangup):  # the next node that talks to the caller ends the call
        await channel.stream_file("/tts/zh-CN/x")


async def test_hang_up_without_a_word_ends_the_call(
    services: HotlineServices, tmp_path: Path
) -> None:
    asterisk = Asterisk(0.8, speaks=False)
    channel = MemoryChannel(["h"], on_record=asterisk)
    ctx = make_context(channel, services=services)
    ctx.messages = messages = CallMessages(tmp_path, channel.uniqueid)
    with pytest.raises(ChannelHangup):
        await record.run(DANGER, ctx)
    [(path, _)] = asterisk.written
    assert not path.exists()
    assert messages.pending == []
    assert ctx.vars["danger_location"] == NO_MESSAGE
    assert events(ctx, "voice_message") == []


async def test_hang_up_during_the_prompt_records_nothing(
    services: HotlineServices, tmp_path: Path
) -> None:
    channel = MemoryChannel(during=[hang_up_during(ZH["danger_location"])],
                            on_record=Asterisk())
    ctx = make_context(channel, services=services)
    ctx.messages = messages = CallMessages(tmp_path, channel.uniqueid)
    with pytest.raises(ChannelHangup):
        await record.run(DANGER, ctx)
    assert "RECORD FILE" not in channel.verbs()
    assert messages.pending == []
    assert ctx.vars["danger_location"] == NO_MESSAGE


async def test_transcript_of_a_keyword_describes_the_message(
    services: HotlineServices, tmp_path: Path
) -> None:
    recognizer = Hears("meter")
    channel = MemoryChannel(["say:my meter is broken"], on_record=Asterisk(3.0))
    ctx = make_context(channel, services=services, language="en-US")
    ctx.messages = messages = CallMessages(tmp_path, channel.uniqueid, recognizer)
    assert await record.run(COMPLAINT, ctx) == "create"
    assert recognizer.asked == [COMPLAINT.keywords["en-US"]]
    assert channel.commands[1].args[3] == "90000"  # the complaint's 90 s
    [message] = messages.pending
    assert (message.language, message.transcript) == ("en-US", "meter")
    assert ctx.vars["voice_message"] == "meter"
    assert events(ctx, "voice_message") == [
        {"kept": True, "seconds": 3.0, "transcribed": True, "hung_up": False}]


async def test_no_keywords_in_the_language_no_transcript(
    services: HotlineServices, tmp_path: Path
) -> None:
    recognizer = Hears("meter")
    channel = MemoryChannel(["say:电表坏了"], on_record=Asterisk(3.0))
    ctx = make_context(channel, services=services)  # zh-CN: the complaint lists no keywords
    ctx.messages = CallMessages(tmp_path, channel.uniqueid, recognizer)
    assert await record.run(COMPLAINT, ctx) == "create"
    assert recognizer.asked == []
    assert ctx.vars["voice_message"] == "voice message (3 s)"


async def test_each_message_of_a_call_has_its_own_file(
    services: HotlineServices, tmp_path: Path
) -> None:
    channel = MemoryChannel(["say:一", "say:二"], on_record=Asterisk())
    ctx = make_context(channel, services=services)
    ctx.messages = messages = CallMessages(tmp_path, channel.uniqueid)
    await record.run(DANGER, ctx)
    await record.run(COMPLAINT, ctx)
    first, second = messages.pending
    assert first.path != second.path and first.path.is_file() and second.path.is_file()
    assert messages.take() == [first, second] and messages.pending == []


async def test_next_work_order_gets_the_message_and_its_description(
    db: Database, root: Path
) -> None:
    services = HotlineServices.build(db, timezone=TIMEZONE, ring_seconds=RING_SECONDS,
                                     voice_messages_dir=root)
    channel = MemoryChannel(["say:东风路口"], on_record=Asterisk(2.0))
    ctx = make_context(channel, services=services)
    ctx.messages = messages = CallMessages(root, channel.uniqueid)
    assert await record.run(DANGER, ctx) == "create"
    [kept] = messages.pending
    assert await ticket.run(DANGER_TICKET, ctx) == "to_emergency"
    [opened] = await Tickets(db).search(type="repair")
    assert opened.description == (
        "danger: sparks, wire down or fire; location: voice message (2 s)")
    attached = await services.voice_messages.for_ticket(opened.number)
    assert attached is not None
    [message] = attached
    assert (message.seconds, message.language, message.call_uniqueid) == (
        2.0, "zh-CN", channel.uniqueid)
    assert await services.voice_messages.audio(opened.number, message.id) == kept.path
    assert messages.pending == []
