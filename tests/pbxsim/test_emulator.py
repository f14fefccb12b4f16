"""The simulated Asterisk's replies, byte for byte as res_agi.c writes them."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from ivr.agi.codec import parse_env
from ivr.pbxsim import (
    Caller,
    EndReason,
    ExecBehaviour,
    PbxConfig,
    SoundLibrary,
    asterisk_environment,
    parse_response,
)
from ivr.pbxsim.commands import AgiEmulator
from ivr.pbxsim.transcript import CallTranscript, Heard

SOUNDS = SoundLibrary(virtual={"menu": "Press 1 for outages.", "acct": "Enter your account."})


def emulator(*responses: str, **config: object) -> AgiEmulator:
    cfg = PbxConfig(sounds=SOUNDS, **config)  # type: ignore[arg-type]
    transcript = CallTranscript("hotline", "+8613800138000", "1718000000.1")
    return AgiEmulator(
        cfg, Caller(responses), transcript, channel_name="PJSIP/carrier-1", variables={}
    )


async def test_unknown_commands_and_framing() -> None:
    pbx = emulator()
    assert await pbx.handle("FOO") == "510 Invalid or unknown command\n"
    assert await pbx.handle("") == "510 Invalid or unknown command\n"
    assert await pbx.handle("GET") == "510 Invalid or unknown command\n"
    assert await pbx.handle("ANSWER\r") == "510 Invalid or unknown command\n"  # \r kept
    assert await pbx.handle("answer") == "200 result=0\n"
    assert await pbx.handle("ANSWER extra words") == "200 result=0\n"


async def test_usage_reply_is_multi_line() -> None:
    pbx = emulator()
    assert await pbx.handle('STREAM FILE "menu"') == (
        "520-Invalid command syntax.  Proper usage follows:\n"
        "STREAM FILE <filename> <escape_digits> [sample offset]\n"
        "520 End of proper usage.\n"
    )
    for line in ('STREAM FILE menu "" 1 2', "STREAM FILE menu 1 abc", "WAIT FOR DIGIT x",
                 "SET VARIABLE A", "GET VARIABLE", "EXEC", "GET DATA", "HANGUP a b"):
        assert (await pbx.handle(line)).startswith("520-"), line


async def test_stream_file_plays_through_or_is_interrupted_by_an_escape_digit() -> None:
    pbx = emulator("3", "1")
    # "3" is not an escape digit: the prompt plays to the end and "3" stays pending.
    assert await pbx.handle('STREAM FILE menu "12"') == "200 result=0 endpos=24000\n"
    assert pbx.caller.responses_left == 2
    assert await pbx.handle('STREAM FILE menu "123"') == "200 result=51 endpos=6400\n"
    assert await pbx.handle('STREAM FILE menu ""') == "200 result=0 endpos=24000\n"
    assert await pbx.handle('STREAM FILE menu "1"') == "200 result=49 endpos=6400\n"
    heard = pbx.transcript.heard
    assert [h.interrupted_by for h in heard] == [None, "3", None, "1"]


async def test_stream_file_missing_file_answers_like_asterisk() -> None:
    pbx = emulator("1")
    assert await pbx.handle('STREAM FILE "no/such" "1"') == "200 result=-1 endpos=0\n"
    assert await pbx.handle('STREAM FILE "no/such" "1" 800') == "200 result=-1 endpos=800\n"
    assert not pbx.dead and pbx.caller.responses_left == 1
    assert pbx.transcript.heard[0] == Heard(0.0, "no/such", None)


async def test_get_data_replies() -> None:
    pbx = emulator("", "#", "12", "5100012345#", "51000123456", "9")
    assert await pbx.handle("GET DATA acct 5000 10") == "200 result= (timeout)\n"
    assert await pbx.handle("GET DATA acct 5000 10") == "200 result=\n"
    assert await pbx.handle("GET DATA acct 5000 10") == "200 result=12 (timeout)\n"
    assert await pbx.handle("GET DATA acct 5000 10") == "200 result=5100012345\n"
    assert pbx.caller.responses_left == 2  # the trailing "#" after a full entry was dropped
    assert await pbx.handle("GET DATA acct 5000 10") == "200 result=5100012345\n"
    assert await pbx.handle("GET DATA acct 5000 1") == "200 result=6\n"  # typed ahead
    assert await pbx.handle("GET DATA acct 5000 0") == "200 result=-1\n"
    assert await pbx.handle("GET DATA nothing-here 5000 4") == "200 result=-1\n"
    assert pbx.caller.responses_left == 1


async def test_get_data_default_timeouts_and_slow_keys() -> None:
    pbx = emulator("", "12", digit_interval=3.0)
    assert await pbx.handle("GET DATA acct") == "200 result= (timeout)\n"
    first = pbx.clock.now
    assert first == pytest.approx(SOUNDS.find("acct", "zh").seconds + 6.0)  # type: ignore[union-attr]
    # 3 s between keys is longer than the 2 s Asterisk waits: the entry stops after "1".
    assert await pbx.handle("GET DATA acct") == "200 result=1 (timeout)\n"
    assert pbx.caller.responses_left == 1


async def test_wait_for_digit() -> None:
    pbx = emulator("7", "", "*")
    assert await pbx.handle("WAIT FOR DIGIT 3000") == "200 result=55\n"
    assert await pbx.handle("WAIT FOR DIGIT 3000") == "200 result=0\n"
    assert await pbx.handle("WAIT FOR DIGIT 0") == "200 result=0\n"  # nothing consumed
    assert await pbx.handle("WAIT FOR DIGIT -1") == "200 result=42\n"


async def test_hangup_waits_for_a_question_while_a_prompt_plays_out() -> None:
    pbx = emulator("h")
    assert (await pbx.handle('STREAM FILE menu "1"')).startswith("200 result=0 ")
    assert not pbx.dead
    assert (await pbx.handle("WAIT FOR DIGIT 3000")).endswith("\nHANGUP\n")
    assert pbx.dead


@pytest.mark.parametrize("command", ["WAIT FOR DIGIT 3000", "GET DATA acct 3000 4"])
async def test_caller_hangup_then_dead_channel(command: str) -> None:
    pbx = emulator("h")
    reply = await pbx.handle(command)
    assert reply.startswith("200 result=-1") and reply.endswith("\nHANGUP\n")
    assert pbx.dead and pbx.transcript.ended is EndReason.CALLER_HUNG_UP
    dead = "511 Command Not Permitted on a dead channel or intercept routine\n"
    assert await pbx.handle("ANSWER") == dead
    assert await pbx.handle('STREAM FILE menu ""') == dead
    assert await pbx.handle("SET VARIABLE A 1") == "200 result=1\n"  # allowed when dead
    assert await pbx.handle("VERBOSE bye") == "200 result=1\n"
    assert await pbx.handle("NOOP") == "200 result=0\n"
    assert await pbx.handle("FOO") == "510 Invalid or unknown command\n"


async def test_silent_caller_without_timeout_gives_up() -> None:
    pbx = emulator("", patience_seconds=10.0)
    assert await pbx.handle("WAIT FOR DIGIT -1") == "200 result=-1\nHANGUP\n"


async def test_no_hangup_push_when_agisighup_is_off() -> None:
    pbx = emulator(send_sighup=False)
    assert await pbx.handle("HANGUP") == "200 result=1\n"
    assert pbx.dead


async def test_variables_and_functions() -> None:
    pbx = emulator()
    assert await pbx.handle('SET VARIABLE IVR_NAME "a (b) c"') == "200 result=1\n"
    assert await pbx.handle("GET VARIABLE IVR_NAME") == "200 result=1 (a (b) c)\n"
    assert await pbx.handle("GET VARIABLE NOPE") == "200 result=0\n"
    assert await pbx.handle('GET VARIABLE "CALLERID(num)"') == "200 result=1 (+8613800138000)\n"
    assert await pbx.handle('GET VARIABLE "CHANNEL(language)"') == "200 result=1 (zh)\n"
    assert await pbx.handle('GET VARIABLE "NO_SUCH_FUNC(x)"') == "200 result=0\n"
    assert await pbx.handle("GET VARIABLE UNIQUEID") == "200 result=1 (1718000000.1)\n"


async def test_exec() -> None:
    pbx = emulator(applications={"Queue": ExecBehaviour(0, sets={"QUEUESTATUS": "TIMEOUT"})})
    assert await pbx.handle('EXEC NoSuchApp ""') == "200 result=-2\n"
    assert await pbx.handle('EXEC queue "general,t"') == "200 result=0\n"
    assert await pbx.handle("GET VARIABLE QUEUESTATUS") == "200 result=1 (TIMEOUT)\n"
    assert [(a.application, a.args, a.result) for a in pbx.transcript.apps] == [
        ("NoSuchApp", "", -2), ("queue", "general,t", 0)
    ]
    default = emulator()
    assert await default.handle('EXEC Queue "general"') == "200 result=-1\nHANGUP\n"
    assert default.transcript.ended is EndReason.APPLICATION_ENDED
    assert await default.handle("EXEC Set IVR_X=1") == "200 result=0\n"  # EXEC runs when dead


async def test_exec_set_assigns_the_variable() -> None:
    pbx = emulator()
    assert await pbx.handle('EXEC Set "IVR_LANG=en-US"') == "200 result=0\n"
    assert pbx.transcript.variables == {"IVR_LANG": "en-US"}


async def test_hangup_command() -> None:
    pbx = emulator()
    assert await pbx.handle("HANGUP PJSIP/other-1") == "200 result=-1\n"
    assert await pbx.handle("HANGUP") == "200 result=1\nHANGUP\n"
    assert pbx.transcript.ended is EndReason.IVR_HUNG_UP
    assert await pbx.handle("HANGUP") == (
        "511 Command Not Permitted on a dead channel or intercept routine\n"
    )


async def test_caller_hangs_up_between_commands() -> None:
    pbx = emulator()
    assert pbx.caller_hangs_up() == "HANGUP\n"
    assert pbx.caller_hangs_up() == ""
    assert pbx.transcript.end_detail == "between commands"


def test_environment_as_asterisk_sends_it() -> None:
    env = asterisk_environment(
        "10.0.0.5", 4573, script="hotline", caller=None, uniqueid="1718000000.7",
        channel_name="PJSIP/carrier-7", config=PbxConfig(), args=["a b"],
    )
    keys = list(env)
    assert keys[:4] == ["network", "network_script", "request", "channel"]
    assert keys[-1] == "arg_1" and env["arg_1"] == "a b"
    assert env["request"] == "agi://10.0.0.5:4573/hotline"
    assert env["callerid"] == "unknown" and env["enhanced"] == "0.0"
    for key in ("language", "type", "uniqueid", "version", "calleridname", "callingpres",
                "callingani2", "callington", "callingtns", "dnid", "rdnis", "context",
                "extension", "priority", "accountcode", "threadid"):
        assert key in env
    assert parse_env([f"agi_{k}: {v}".encode() for k, v in env.items()]) == env


def test_responses() -> None:
    assert parse_response("5100012345#").digits == "5100012345#"
    assert parse_response("").kind == parse_response("silence").kind == "silence"
    assert parse_response("h").kind == parse_response("hangup").kind == "hangup"
    with pytest.raises(ValueError):
        parse_response("12x")


def test_sound_files_and_sidecars(tmp_path: Path) -> None:
    (tmp_path / "zh").mkdir()
    with wave.open(str(tmp_path / "zh" / "greet.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\0\0" * 12000)
    (tmp_path / "zh" / "greet.txt").write_text("您好，这里是供电服务热线。\n", encoding="utf-8")
    (tmp_path / "beep.gsm").write_bytes(b"x")
    library = SoundLibrary(tmp_path)
    greet = library.find("greet", "zh")
    assert greet is not None and greet.text == "您好，这里是供电服务热线。"
    assert greet.seconds == 1.5 and greet.samples == 12000
    assert library.find(str(tmp_path / "zh" / "greet"), "en") == greet.__class__(
        str(tmp_path / "zh" / "greet"), greet.text, 1.5
    )
    beep = library.find("beep", "zh")
    assert beep is not None and beep.text == "[beep]"
    assert library.find("greet", "en") is None
    assert library.find("missing", "zh") is None
