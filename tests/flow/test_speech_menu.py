"""Spoken answers to the main menu, over the real path: the hotline on a free port, the PBX
simulator recording the caller's espeak-ng voice where RECORD FILE asks, the embedded
pocketsphinx recogniser (English) deciding, and the journey written to the database.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from ivr.app import Hotline, start_hotline
from ivr.db.session import Database
from ivr.flow.flowset import load_flow_set
from ivr.flow.nodes.menu import MenuNode
from ivr.flow.problems import FlowConfigError
from ivr.pbxsim.call import simulate_call
from ivr.pbxsim.config import PbxConfig
from ivr.pbxsim.transcript import CallTranscript
from ivr.services.calls import CallRecord
from ivr.speech.asr import normalise
from ivr.speech.build import load_prompt_texts
from ivr.speech.tts import SilentSynthesizer
from tests.conftest import CustomerFactory
from tests.hotline import CALLER, ROOT, Dial, hotline_settings

EN = load_prompt_texts(ROOT / "prompts")["en-US"]
ZH = load_prompt_texts(ROOT / "prompts")["zh-CN"]
Journey = Callable[[CallTranscript], Awaitable[CallRecord]]
VOSK_ZH = os.environ.get("IVR_VOSK_MODEL_ZH_CN")
CONFIRM_BELOW = MenuNode.model_fields["confirm_below"].default
BEEP = "(beep)"  # the simulator's transcript of the tone RECORD FILE plays


def prompts(t: CallTranscript) -> list[str]:
    """What the caller heard, without the recording tones."""
    return [p for p in t.prompts if p != BEEP]


def flows_entered(record: CallRecord) -> list[str]:
    """The flows the call went through, in order, each once."""
    flows: list[str] = []
    for event in record.events:
        if event.kind == "node" and (not flows or flows[-1] != event.data["flow"]):
            flows.append(event.data["flow"])
    return flows


def events(record: CallRecord, kind: str) -> list[Mapping[str, Any]]:
    return [e.data for e in record.events if e.kind == kind]


def recordings(t: CallTranscript) -> int:
    return sum(1 for e in t.exchanges if e.command.upper().startswith("RECORD FILE"))


def leftover_audio(data_dir: Path) -> list[Path]:
    return [p for p in (data_dir / "recordings").rglob("*") if p.is_file()]


@pytest.fixture
async def english_customer(add_customer: CustomerFactory) -> None:
    await add_customer(language="en-US")


# --- each main-menu option by voice ---------------------------------------------------------


@pytest.mark.parametrize(("said", "option", "flow", "recognised"), [
    ("power outage", "1", "outage", "power outage"),
    ("repair", "2", "repair", "repair"),
    ("bill", "3", "bill", "bill"),
    # The prompt suggests the longer "make a complaint": the bare word is too short for the
    # embedded English model; the grammar's phrase "complaint" is found inside it.
    ("make a complaint", "4", "feedback", "complaint"),  # the complaint, report... menu
    ("agent", "0", "person", "agent"),
])
@pytest.mark.usefixtures("english_customer")
async def test_spoken_answer_chooses_the_option(
        call: Dial, journey: Journey, tmp_path: Path, said: str, option: str, flow: str,
        recognised: str) -> None:
    t = await call(f"say:{said}", "h")
    assert prompts(t)[:2] == [EN["greeting"], EN["main_menu_speech"]]
    assert EN["main_menu"] not in prompts(t)
    assert recordings(t) == 1
    record = await journey(t)
    [heard] = events(record, "recognition")
    assert heard["text"] == recognised and heard["option"] == option
    assert isinstance(heard["confidence"], float) and heard["confidence"] >= CONFIRM_BELOW
    assert flows_entered(record)[:2] == ["hotline", flow]
    assert not events(record, "speech_confirm")
    assert leftover_audio(tmp_path) == []  # the caller's voice is not kept


async def test_agent_by_voice_reaches_the_general_queue(
        call: Dial, journey: Journey, english_customer: None) -> None:
    t = await call("say:agent")
    assert [a.application.lower() for a in t.apps] == ["queue"]
    record = await journey(t)
    assert record.outcome == "transferred" and record.queue == "general"


async def test_caller_who_pressed_nine_answers_by_voice(call: Dial, journey: Journey) -> None:
    t = await call("9", "say:repair", "h", caller=None)
    assert prompts(t)[:3] == [ZH["greeting"], EN["greeting_short"], EN["main_menu_speech"]]
    assert prompts(t)[3] == EN["enter_account"]  # repair for a caller not yet identified
    record = await journey(t)
    assert flows_entered(record)[:2] == ["hotline", "repair"]


# --- keys win --------------------------------------------------------------------------------


@pytest.mark.usefixtures("english_customer")
async def test_key_pressed_during_the_speech_prompt_wins(call: Dial, journey: Journey) -> None:
    t = await call("3", "say:repair", "h")
    assert recordings(t) == 0  # nothing was recorded: the key answered the menu
    record = await journey(t)
    assert flows_entered(record)[:2] == ["hotline", "bill"]
    assert not events(record, "recognition")
    assert {"digits": "3", "during": "main_menu_speech"} in events(record, "key")


@pytest.mark.usefixtures("english_customer")
async def test_wrong_key_during_the_speech_prompt_leads_to_the_keypad_menu(call: Dial) -> None:
    t = await call("7", "2", "h")
    assert prompts(t)[1:4] == [EN["main_menu_speech"], EN["invalid_key"], EN["main_menu"]]
    assert recordings(t) == 0
    assert EN["confirm_address"].split("{")[0] in prompts(t)[4]  # 2: repair, by key


# --- not understood: twice, then the keypad ------------------------------------------------


@pytest.mark.usefixtures("english_customer")
async def test_two_answers_not_understood_fall_back_to_the_keypad_menu(
        call: Dial, journey: Journey, tmp_path: Path) -> None:
    t = await call("", "", "4", "h")  # silence into both recordings, then the keypad
    assert prompts(t)[1:6] == [EN["main_menu_speech"], EN["speech_not_understood"],
                              EN["main_menu_speech"], EN["speech_not_understood"], EN["main_menu"]]
    assert recordings(t) == 2
    record = await journey(t)
    heard = events(record, "recognition")
    assert [(h["option"], h["attempt"]) for h in heard] == [(None, 1), (None, 2)]
    assert events(record, "speech_fallback") == [{"prompt": "main_menu_speech", "tries": 2}]
    assert flows_entered(record)[:2] == ["hotline", "feedback"]
    assert leftover_audio(tmp_path) == []


@pytest.mark.usefixtures("english_customer")
async def test_missing_recording_is_no_answer_logged_at_info(
        hotline: Hotline, journey: Journey, caplog: pytest.LogCaptureFixture) -> None:
    """Asterisk wrote no file for the spoken answers: each is "no answer", the caller is asked
    again, then gets the keypad menu; logged at INFO with the call's id, no traceback."""
    caplog.set_level(logging.INFO)
    t = await simulate_call("127.0.0.1", hotline.agi_port, caller=CALLER,
                            responses=["say:repair", "say:repair", "2", "h"],
                            config=PbxConfig(recordings_shared=False))
    assert prompts(t)[1:6] == [EN["main_menu_speech"], EN["speech_not_understood"],
                              EN["main_menu_speech"], EN["speech_not_understood"], EN["main_menu"]]
    record = await journey(t)
    assert [(h["text"], h["option"]) for h in events(record, "recognition")] == [("", None)] * 2
    assert not events(record, "speech_error")
    assert flows_entered(record)[:2] == ["hotline", "repair"]
    notes = [r for r in caplog.records if "no recording" in r.getMessage()]
    assert len(notes) == 2
    assert all(r.levelno == logging.INFO and r.exc_info is None for r in notes)
    assert all(t.uniqueid in r.getMessage() for r in notes)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- low confidence: confirmed with a key ---------------------------------------------------


@pytest.fixture
async def confirming_hotline(db: Database, database_url: str,
                             tmp_path: Path) -> AsyncIterator[Hotline]:
    """The shipped flows, except that the main menu confirms every spoken answer."""
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    hotline_yaml = flows / "hotline.yaml"
    text = hotline_yaml.read_text(encoding="utf-8")
    marker = "    speech_prompt: main_menu_speech\n"
    assert marker in text
    hotline_yaml.write_text(text.replace(marker, marker + "    confirm_below: 1.0\n"),
                            encoding="utf-8")
    settings = hotline_settings(database_url, tmp_path / "data", flows_dir=flows)
    running = await start_hotline(
        settings, synth=SilentSynthesizer(settings.prompt_cache_dir), watch=False)
    yield running
    await running.close()


@pytest.mark.usefixtures("english_customer")
async def test_low_confidence_answer_is_confirmed(
        confirming_hotline: Hotline, journey: Journey) -> None:
    t = await simulate_call("127.0.0.1", confirming_hotline.agi_port, caller=CALLER,
                            responses=["say:repair", "1", "h"])
    assert prompts(t)[1:3] == [EN["main_menu_speech"],
                              "Did you say repair? If yes, press 1. If not, press 2."]
    record = await journey(t)
    [heard] = events(record, "recognition")
    assert heard["option"] == "2" and heard["confidence"] < 1.0
    assert events(record, "speech_confirm") == [{"option": "2", "confirmed": True}]
    assert flows_entered(record)[:2] == ["hotline", "repair"]


@pytest.mark.usefixtures("english_customer")
async def test_two_rejected_confirmations_fall_back_to_the_keypad_menu(
        confirming_hotline: Hotline, journey: Journey) -> None:
    t = await simulate_call("127.0.0.1", confirming_hotline.agi_port, caller=CALLER,
                            responses=["say:bill", "2", "say:agent", "", "3", "h"])
    assert prompts(t)[1:8] == [
        EN["main_menu_speech"], "Did you say bill? If yes, press 1. If not, press 2.",
        EN["speech_not_understood"],
        EN["main_menu_speech"], "Did you say agent? If yes, press 1. If not, press 2.",
        EN["speech_not_understood"], EN["main_menu"]]
    record = await journey(t)
    assert events(record, "speech_confirm") == [{"option": "3", "confirmed": False},
                                                {"option": "0", "confirmed": False}]
    assert flows_entered(record)[:2] == ["hotline", "bill"]  # 3, pressed at the keypad menu


# --- keypad-only where there is no recogniser, or speech fails -----------------------------


@pytest.mark.skipif(bool(VOSK_ZH), reason="a vosk Mandarin model is configured: zh-CN has speech")
async def test_mandarin_caller_keeps_the_keypad_menu_without_a_mandarin_recogniser(
        call: Dial, journey: Journey, add_customer: CustomerFactory) -> None:
    await add_customer()
    t = await call("2", "h")
    assert prompts(t)[1] == ZH["main_menu"]
    assert recordings(t) == 0
    assert flows_entered(await journey(t))[:2] == ["hotline", "repair"]


async def test_speech_failure_falls_back_to_the_keypad_menu(
        db: Database, database_url: str, tmp_path: Path, journey: Journey,
        add_customer: CustomerFactory) -> None:
    await add_customer(language="en-US")
    data = tmp_path / "data"
    data.mkdir()
    (data / "recordings").write_text("not a directory")  # no call directory can be made
    settings = hotline_settings(database_url, data)
    hotline = await start_hotline(
        settings, synth=SilentSynthesizer(settings.prompt_cache_dir), watch=False)
    try:
        t = await simulate_call("127.0.0.1", hotline.agi_port, caller=CALLER,
                                responses=["say:repair", "1", "h"])
    finally:
        await hotline.close()
    assert prompts(t)[1:3] == [EN["main_menu_speech"], EN["main_menu"]]
    record = await journey(t)
    assert [e["error"] for e in events(record, "speech_error")] == ["FileExistsError"]
    assert flows_entered(record)[:2] == ["hotline", "outage"]


@pytest.mark.skipif(not VOSK_ZH, reason="no vosk Mandarin model: set IVR_VOSK_MODEL_ZH_CN")
async def test_mandarin_answer_by_voice_with_vosk(
        call: Dial, journey: Journey, add_customer: CustomerFactory) -> None:
    await add_customer()
    t = await call("say:报修", "h")
    assert prompts(t)[1] == ZH["main_menu_speech"]
    assert flows_entered(await journey(t))[:2] == ["hotline", "repair"]


# --- the phrases, checked at load ----------------------------------------------------------


def test_shipped_english_phrases_are_in_the_embedded_dictionary() -> None:
    from pocketsphinx import Decoder

    decoder = Decoder(lm=None, samprate=16000, loglevel="FATAL")
    flows = load_flow_set(ROOT / "flows", ROOT / "prompts").flows
    menus = [n for f in flows.values() for n in f.nodes.values() if isinstance(n, MenuNode)]
    words = {w for menu in menus for said in menu.phrases.values()
             for w in normalise(" ".join(said.get("en-US", []))).split()}
    assert "outage" in words
    assert [w for w in sorted(words) if decoder.lookup_word(w) is None] == []


MENU = """\
flow: hotline
start: menu
nodes:
  menu:
    type: menu
    prompt: main_menu
    options: {"1": done, "2": done}
    on_fail: done
%s
  done: {type: hangup}
"""


@pytest.mark.parametrize(("extra", "problem"), [
    ('    speech_prompt: main_menu_speech\n    phrases: {"3": {en-US: [bill]}}',
     "menu.yaml:10: node 'menu': phrases.3: no option '3' in this menu (options: 1, 2)"),
    ('    speech_prompt: main_menu_speech\n    phrases: {"1": {en-UK: [bill]}}',
     "menu.yaml:10: node 'menu': phrases.1.en-UK: unknown language 'en-UK' "
     "(did you mean 'en-US'?)"),
    ('    speech_prompt: main_menu_speech\n    phrases: {"1": {en-US: []}}',
     "menu.yaml:10: node 'menu': phrases.1.en-US: no phrases"),
    ('    speech_prompt: main_menu_speech\n    phrases: {"1": {}}',
     "menu.yaml:10: node 'menu': phrases.1: no phrases"),
    ('    speech_prompt: main_menu_speech\n    phrases:\n      "1": {en-US: [bill, "  "]}',
     "menu.yaml:11: node 'menu': phrases.1.en-US.1: empty phrase"),
    ('    speech_prompt: main_menu_speech\n    phrases:\n      "1": {en-US: [bill]}\n'
     '      "2": {en-US: [Bill]}',
     "menu.yaml:12: node 'menu': phrases.2.en-US.0: 'Bill' is also a phrase of option '1'"),
    ('    phrases: {"1": {en-US: [bill]}}',
     "menu.yaml:9: node 'menu': speech_prompt: missing: a menu with phrases needs a prompt "
     "that invites speech"),
    ('    speech_prompt: main_menu_speach\n    phrases: {"1": {en-US: [bill]}}',
     "menu.yaml:9: node 'menu': speech_prompt: unknown prompt 'main_menu_speach' "
     "(did you mean 'main_menu_speech'?)"),
])
def test_bad_phrases_are_reported_with_their_line(
        tmp_path: Path, extra: str, problem: str) -> None:
    (tmp_path / "menu.yaml").write_text(MENU % extra, encoding="utf-8")
    with pytest.raises(FlowConfigError) as caught:
        load_flow_set(tmp_path, ROOT / "prompts")
    assert [str(p).replace(f"{tmp_path}/", "") for p in caught.value.problems] == [problem]


def test_menu_without_phrases_needs_no_speech_prompt(tmp_path: Path) -> None:
    (tmp_path / "menu.yaml").write_text(MENU % "", encoding="utf-8")
    menu = load_flow_set(tmp_path, ROOT / "prompts").flows["hotline"].nodes["menu"]
    assert isinstance(menu, MenuNode) and menu.phrases == {} and menu.speech_prompt is None
