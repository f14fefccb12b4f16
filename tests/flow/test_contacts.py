"""Every contact type over FastAGI, as Asterisk would place the calls: the danger path one key
away, complaints, reports, suggestions, praise and applications with the caller's words kept
with the work order (and served to staff over HTTP), common enquiries answered from the
knowledge base, and each call classified in the call log."""

from __future__ import annotations

import json
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ivr.agi.session import AgiChannel
from ivr.app import Hotline
from ivr.asterisk_names import PRIORITY_EMERGENCY, hotline_queue
from ivr.channel import ChannelHangup
from ivr.db.session import Database
from ivr.flow.knowledge import load_knowledge
from ivr.pbxsim.transcript import CallTranscript, KeysPressed
from ivr.services.calls import CallRecord
from ivr.services.tickets import TicketInfo, Tickets
from ivr.services.tokens import Tokens
from ivr.services.voice_messages import VoiceMessageInfo, VoiceMessages
from ivr.speech.build import load_prompt_texts
from tests.conftest import CustomerFactory
from tests.hotline import ACCOUNT, ROOT, Dial

ZH = load_prompt_texts(ROOT / "prompts")["zh-CN"]
EN = load_prompt_texts(ROOT / "prompts")["en-US"]
KNOWLEDGE, _ = load_knowledge(ROOT / "flows" / "knowledge")
Journey = Callable[[CallTranscript], Awaitable[CallRecord]]
STRANGER = "+8613700000000"  # a valid mobile number that is no customer's
SAID = "the wire is down at the corner of the market street"


def queue_of(t: CallTranscript) -> str | None:
    queues = [hotline_queue(a.args) for a in t.apps if a.application.lower() == "queue"]
    assert len(queues) <= 1, queues
    return queues[0] if queues else None


def keys_pressed(t: CallTranscript) -> list[str]:
    return [e.digits for e in t.events if isinstance(e, KeysPressed) and e.digits]


def recordings(t: CallTranscript) -> int:
    return sum(1 for e in t.exchanges if e.command.upper().startswith("RECORD FILE"))


async def only_ticket(db: Database, **filters: Any) -> TicketInfo:
    tickets = await Tickets(db).search(**filters)
    assert len(tickets) == 1, tickets
    return tickets[0]


async def messages_of(hotline: Hotline, ticket: TicketInfo) -> list[VoiceMessageInfo]:
    found = await hotline.runner.services.voice_messages.for_ticket(ticket.number)
    assert found is not None
    return found


# --- danger: one key, identified or not ------------------------------------------------------


async def test_unknown_caller_reaches_the_emergency_queue_with_a_work_order_in_one_key(
    call: Dial, db: Database, hotline: Hotline, journey: Journey
) -> None:
    t = await call("8", f"say:{SAID}", caller=STRANGER)
    assert keys_pressed(t) == ["8"]  # pressed during the greeting
    assert t.prompts[0] == ZH["greeting"]
    assert t.prompts[1] == ZH["safety_message"]  # before anything else is asked
    assert ZH["danger_location"] in t.prompts and ZH["danger_callback"] not in t.prompts
    assert queue_of(t) == "emergency"
    assert t.variables["QUEUE_PRIO"] == str(PRIORITY_EMERGENCY)
    ticket = await only_ticket(db, type="repair")
    assert ticket.priority == PRIORITY_EMERGENCY and ticket.account is None
    assert ticket.caller == STRANGER
    assert ticket.description.startswith("danger: sparks, wire down or fire; location: voice")
    assert t.variables["IVR_TICKET"] == ticket.number
    (message,) = await messages_of(hotline, ticket)
    assert message.seconds > 1 and message.call_uniqueid == t.uniqueid
    path = await hotline.runner.services.voice_messages.audio(ticket.number, message.id)
    assert path is not None and path.is_relative_to(tmp_voice_dir(hotline))
    with wave.open(str(path)) as wav:
        assert wav.getnframes() > wav.getframerate()  # over a second of the caller's voice
    record = await journey(t)
    assert record.contact_type == "repair" and record.queue == "emergency"


def tmp_voice_dir(hotline: Hotline) -> Path:
    return hotline.settings.voice_messages_dir.resolve()


async def test_withheld_caller_id_gives_a_callback_number_checked_as_a_phone_number(
    call: Dial, db: Database, journey: Journey
) -> None:
    t = await call("8", "1234567#", "13912345678#", "", caller=None)
    assert t.prompts[:3] == [ZH["greeting"], ZH["safety_message"], ZH["danger_callback"]]
    assert t.prompts[3:5] == [ZH["invalid_entry"], ZH["danger_callback"]]
    assert queue_of(t) == "emergency"
    ticket = await only_ticket(db, type="repair")
    assert ticket.caller == "+8613912345678"  # to call back, though the caller id was withheld
    assert ticket.description.endswith("location: no message")  # said nothing after the tone
    record = await journey(t)
    assert record.contact_type == "repair"


async def test_identified_caller_danger_records_the_address_on_file(
    call: Dial, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()
    t = await call("8")
    assert t.prompts[1] == ZH["safety_message"]
    assert recordings(t) == 0  # the address is known: nothing to ask
    assert queue_of(t) == "emergency" and t.variables["IVR_ACCOUNT"] == ACCOUNT
    ticket = await only_ticket(db, account=ACCOUNT)
    assert "location: 江宁市城东建设路12号" in ticket.description
    assert ticket.priority == PRIORITY_EMERGENCY


async def test_danger_from_the_main_menu(call: Dial, db: Database) -> None:
    t = await call("7", "8", "", caller=STRANGER)  # a wrong key first: the menu is repeated
    assert t.prompts[1:4] == [ZH["main_menu"], ZH["invalid_key"], ZH["main_menu"]]
    assert t.prompts[4] == ZH["safety_message"]
    assert queue_of(t) == "emergency"
    assert (await only_ticket(db, type="repair")).priority == PRIORITY_EMERGENCY


async def test_danger_said_at_the_spoken_main_menu(
    call: Dial, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer(language="en-US")
    t = await call("say:danger")
    assert EN["safety_message"] in t.prompts
    assert queue_of(t) == "emergency"
    assert (await only_ticket(db, account=ACCOUNT)).priority == PRIORITY_EMERGENCY


# --- the caller's own words, kept with the work order -----------------------------------------


@pytest.mark.parametrize(
    ("keys", "kind", "record_prompt", "done_prompt"),
    [
        (("4", "2"), "report", "report_record", "report_created"),
        (("4", "3"), "suggestion", "suggestion_record", "suggestion_created"),
        (("4", "4"), "praise", "praise_record", "praise_created"),
    ],
)
async def test_report_suggestion_and_praise_keep_the_callers_words(
    call: Dial, db: Database, hotline: Hotline, add_customer: CustomerFactory, journey: Journey,
    keys: tuple[str, str], kind: str, record_prompt: str, done_prompt: str,
) -> None:
    await add_customer()
    t = await call(*keys, f"say:{SAID}", "")
    assert ZH[record_prompt] in t.prompts
    assert recordings(t) == 1
    ticket = await only_ticket(db, account=ACCOUNT)
    assert ticket.type == kind
    assert ticket.description.endswith(")") and "voice message" in ticket.description
    assert any(p.startswith(ZH[done_prompt].split("{")[0]) for p in t.prompts)
    (message,) = await messages_of(hotline, ticket)
    assert message.language == "zh-CN" and message.transcript is None  # no zh recogniser
    record = await journey(t)
    assert record.contact_type == kind


async def test_a_caller_who_says_nothing_still_gets_a_work_order(
    call: Dial, db: Database, hotline: Hotline, add_customer: CustomerFactory
) -> None:
    await add_customer()
    t = await call("4", "3", "", "")
    assert recordings(t) == 1
    ticket = await only_ticket(db, account=ACCOUNT)
    assert ticket.type == "suggestion"
    assert ticket.description == "suggestion received by the IVR: no message"
    assert await messages_of(hotline, ticket) == []
    assert list(tmp_voice_dir(hotline).rglob("*.wav")) == []  # silence is not kept


async def test_complaint_records_the_words_then_the_complaint_queue(
    call: Dial, db: Database, hotline: Hotline, add_customer: CustomerFactory, journey: Journey
) -> None:
    await add_customer()
    t = await call("4", "1", f"say:{SAID}")
    ticket = await only_ticket(db, account=ACCOUNT, type="complaint")
    assert ticket.contact_due is not None
    assert len(await messages_of(hotline, ticket)) == 1
    assert queue_of(t) == "complaint" and t.variables["IVR_TICKET"] == ticket.number
    record = await journey(t)
    assert record.contact_type == "complaint"


async def test_an_english_complaint_is_transcribed_by_the_recogniser(
    call: Dial, db: Database, hotline: Hotline, add_customer: CustomerFactory
) -> None:
    await add_customer(language="en-US")
    # The recognisers answer from a closed list (the node's keywords), never open dictation:
    # with pocketsphinx's grammar the message is transcribed when it is one of them.
    await call("4", "1", "say:bill")  # 4 by key at the spoken menu
    ticket = await only_ticket(db, account=ACCOUNT, type="complaint")
    (message,) = await messages_of(hotline, ticket)
    assert message.language == "en-US" and message.transcript == "bill"
    assert ticket.description == "complaint received by the IVR: bill"


async def test_service_application_for_a_new_connection(
    call: Dial, db: Database, hotline: Hotline, journey: Journey
) -> None:
    t = await call("5", "1", f"say:{SAID}", "13912345678#", "", caller=None)
    assert KNOWLEDGE.text("new_connection", "zh-CN") in t.prompts  # what to bring, first
    assert ZH["application_callback"] in t.prompts  # no caller id: a number to call back
    ticket = await only_ticket(db, type="application")
    assert ticket.caller == "+8613912345678"
    assert ticket.description.startswith(
        "service application (new connection or more capacity) for the business office: voice")
    assert len(await messages_of(hotline, ticket)) == 1
    assert any(p.startswith("您的业务申请已受理") for p in t.prompts)
    record = await journey(t)
    assert record.contact_type == "application"


async def test_change_of_name_application(call: Dial, db: Database,
                                          add_customer: CustomerFactory) -> None:
    await add_customer()
    t = await call("5", "2", "", "")
    assert ZH["application_callback"] not in t.prompts  # the caller id is the number
    ticket = await only_ticket(db, account=ACCOUNT, type="application")
    assert "change of name" in ticket.description and ticket.description.endswith("no message")


# --- common enquiries, answered without a person ----------------------------------------------


async def test_common_enquiries_are_answered_from_the_knowledge_base(
    call: Dial, db: Database, journey: Journey
) -> None:
    t = await call("6", "1", "2", "4", "", caller=STRANGER)
    answers = [KNOWLEDGE.text(topic, "zh-CN") for topic in ("tariffs", "office_hours")]
    assert [p for p in t.prompts if p in answers] == answers
    assert t.prompts.count(ZH["knowledge_menu"]) == 2  # 2: back to the questions
    assert queue_of(t) is None and await Tickets(db).search() == []
    record = await journey(t)
    assert record.contact_type == "enquiry" and record.outcome == "self_served"
    assert [e.data["topic"] for e in record.events if e.kind == "knowledge"] == [
        "tariffs", "office_hours"]


async def test_english_caller_hears_the_english_answer(
    call: Dial, add_customer: CustomerFactory
) -> None:
    await add_customer(language="en-US")
    t = await call("6", "2", "")
    assert KNOWLEDGE.text("how_to_pay", "en-US") in t.prompts


async def test_a_question_the_answers_do_not_cover_is_left_as_a_message(
    call: Dial, db: Database, hotline: Hotline, add_customer: CustomerFactory
) -> None:
    await add_customer()
    t = await call("6", "5", f"say:{SAID}")
    ticket = await only_ticket(db, account=ACCOUNT, type="enquiry")
    assert len(await messages_of(hotline, ticket)) == 1
    assert any(p.startswith("您的咨询已登记") for p in t.prompts)


# --- the call log's contact type for the self-service paths ------------------------------------


@pytest.mark.parametrize(("keys", "contact"), [(("1", ""), "outage_info"),
                                                (("3", ""), "account_query"),
                                                (("0",), None)])
async def test_each_call_is_classified(
    call: Dial, add_customer: CustomerFactory, journey: Journey,
    keys: tuple[str, ...], contact: str | None,
) -> None:
    await add_customer()
    record = await journey(await call(*keys))
    assert record.contact_type == contact


# --- staff hear the caller's words over HTTP ---------------------------------------------------


@pytest.fixture
async def http(hotline: Hotline, db: Database) -> AsyncIterator[
        Callable[[str, str | None], Awaitable[tuple[int, str, bytes]]]]:
    tokens = {role: await Tokens(db).create(role, f"test-{role}")
              for role in ("agent", "supervisor", "survey")}
    base = f"http://127.0.0.1:{hotline.http_port}"
    async with aiohttp.ClientSession() as session:

        async def get(path: str, role: str | None) -> tuple[int, str, bytes]:
            headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
            async with session.get(base + path, headers=headers) as resp:
                return resp.status, resp.content_type, await resp.read()

        yield get


async def test_staff_play_the_voice_message_over_http(
    call: Dial, db: Database, add_customer: CustomerFactory,
    http: Callable[[str, str | None], Awaitable[tuple[int, str, bytes]]],
) -> None:
    await add_customer()
    await call("4", "2", f"say:{SAID}", "")
    ticket = await only_ticket(db, account=ACCOUNT, type="report")
    status, kind, body = await http(f"/api/tickets/{ticket.number}", "agent")
    assert status == 200 and kind == "application/json"
    (listed,) = json.loads(body)["recordings"]
    url = f"/api/tickets/{ticket.number}/recordings/{listed['id']}"
    for role in ("agent", "supervisor"):
        status, kind, audio = await http(url, role)
        assert status == 200 and kind == "audio/wav"
        assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE" and len(audio) > 8000
    assert (await http(url, "survey"))[0] == 403
    assert (await http(url, None))[0] == 401
    assert (await http(f"/api/tickets/{ticket.number}/recordings/999", "agent"))[0] == 404
    assert (await http(f"/api/tickets/R20000101-0001/recordings/{listed['id']}", "agent"))[0] \
        == 404
    status, _, body = await http(f"/api/tickets/{ticket.number}/recordings", "supervisor")
    assert status == 200 and json.loads(body)["recordings"][0]["id"] == listed["id"]


async def test_a_message_of_another_work_order_is_not_served(
    call: Dial, db: Database, add_customer: CustomerFactory,
    http: Callable[[str, str | None], Awaitable[tuple[int, str, bytes]]],
) -> None:
    await add_customer()
    await call("4", "2", f"say:{SAID}", "")
    await call("4", "3", "", "")  # a suggestion without words
    report = await only_ticket(db, account=ACCOUNT, type="report")
    suggestion = await only_ticket(db, account=ACCOUNT, type="suggestion")
    messages = await VoiceMessages(db, Path("unused")).for_ticket(report.number)
    assert messages is not None
    (message,) = messages
    status, _, _ = await http(f"/api/tickets/{suggestion.number}/recordings/{message.id}", "agent")
    assert status == 404


async def test_a_danger_caller_who_hangs_up_while_speaking_still_gets_the_work_order(
    call: Dial, db: Database, hotline: Hotline, journey: Journey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorded = AgiChannel.record_file

    async def hung_up_while_speaking(self: AgiChannel, *args: Any, **kwargs: Any) -> Any:
        # Asterisk keeps what was recorded and answers `(hangup)`: here, the words are
        # recorded, then the line drops before RECORD FILE could end any other way.
        await recorded(self, *args, **kwargs)
        await self.hangup()
        raise ChannelHangup("RECORD FILE: the caller hung up")

    monkeypatch.setattr(AgiChannel, "record_file", hung_up_while_speaking)
    t = await call("8", f"say:{SAID}", caller=STRANGER)
    assert queue_of(t) is None  # nobody left to transfer
    ticket = await only_ticket(db, type="repair")
    assert ticket.priority == PRIORITY_EMERGENCY and "location: voice message" in ticket.description
    assert len(await messages_of(hotline, ticket)) == 1
    record = await journey(t)
    assert record.outcome == "caller_hung_up"
    assert [e.data["hung_up"] for e in record.events if e.kind == "voice_message"] == [True]
