"""The simulator against bytes a real Asterisk 22.10.1 sent over FastAGI.

Captured with asterisk-conf/ loaded: a Local-channel call into hotline-test reached
`AGI(agi://127.0.0.1:PORT/hotline)` in hotline-ivr and a recording FastAGI server sent each
command below; keys were sent into the call with AMI PlayDTMF (Receive: true) at the times given.
hello-world.wav is Asterisk's core sound of 11,234 samples. Each case replays the same commands
to the simulator with the same caller and expects the same bytes.
"""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from ivr.agi.codec import USAGE_END, USAGE_START, format_env
from ivr.pbxsim import Caller, PbxConfig, SoundLibrary, asterisk_environment
from ivr.pbxsim.commands import AgiEmulator
from ivr.pbxsim.transcript import CallTranscript

# The agi_* header, byte for byte (the test caller set its name to "Test").
REAL_ENV = (
    b"agi_network: yes\nagi_network_script: hotline\n"
    b"agi_request: agi://127.0.0.1:14573/hotline\n"
    b"agi_channel: Local/13800138000@hotline-test-00000001;2\nagi_language: en\n"
    b"agi_type: Local\nagi_uniqueid: 1795645981.3\nagi_version: 22.10.1\n"
    b"agi_callerid: 13800138000\nagi_calleridname: Test\nagi_callingpres: 0\n"
    b"agi_callingani2: 0\nagi_callington: 0\nagi_callingtns: 0\nagi_dnid: unknown\n"
    b"agi_rdnis: unknown\nagi_context: hotline-ivr\nagi_extension: s\nagi_priority: 1\n"
    b"agi_enhanced: 0.0\nagi_accountcode: \nagi_threadid: 139682071996096\n\n"
)

# (command, the caller's keys for it or None when it does not listen, Asterisk's reply)
MAIN_CALL: list[tuple[str, str | None, str]] = [
    ("ANSWER", None, "200 result=0\n"),
    ('STREAM FILE hello-world ""', None, "200 result=0 endpos=11234\n"),
    ("STREAM FILE hello-world 12", "2", "200 result=50 endpos=3360\n"),  # key 0.42 s in
    ('STREAM FILE hello-world "" 4000', None, "200 result=0 endpos=11234\n"),
    ('STREAM FILE no-such-file ""', None, "200 result=-1 endpos=0\n"),
    ("GET DATA beep 1500 3", "", "200 result= (timeout)\n"),
    ("GET DATA beep 3000 3", "45#", "200 result=45\n"),
    ("GET DATA beep 3000 2", "78", "200 result=78\n"),
    ("GET DATA beep", "6", "200 result=6 (timeout)\n"),
    ("WAIT FOR DIGIT 300", "", "200 result=0\n"),
    ("WAIT FOR DIGIT 3000", "9", "200 result=57\n"),
    ("WAIT FOR DIGIT 3000", "*", "200 result=42\n"),
    ('SET VARIABLE IVR_TEST "a b"', None, "200 result=1\n"),
    ("GET VARIABLE IVR_TEST", None, "200 result=1 (a b)\n"),
    ("GET VARIABLE NO_SUCH_VAR", None, "200 result=0\n"),
    ("GET VARIABLE CALLERID(num)", None, "200 result=1 (13800138000)\n"),
    ("EXEC Set IVR_X=1", None, "200 result=0\n"),
    ("GET VARIABLE IVR_X", None, "200 result=1 (1)\n"),
    ("EXEC NoSuchApp foo", None, "200 result=-2\n"),
    ("RECORD FILE /nonexistent-dir/rec5 wav # 1000", None, "200 result=-1 (writefile)\n"),
    ("NOOP", None, "200 result=0\n"),
    ('VERBOSE "hello there" 1', None, "200 result=1\n"),
    ("FOO BAR", None, "510 Invalid or unknown command\n"),
    ("HANGUP no-such-channel", None, "200 result=-1\n"),
    ("ANSWER x", None, "200 result=0\n"),
    ("NOOP extra words", None, "200 result=0\n"),
    ("WAIT FOR DIGIT 0", None, "200 result=0\n"),
    ("GET DATA beep 0 0", None, "200 result=-1\n"),
    ("GET DATA no-such-file 500 2", None, "200 result=-1\n"),
    ('GET DATA "" 500 2', "", "200 result= (timeout)\n"),
    ('Stream File hello-world ""', None, "200 result=0 endpos=11234\n"),
    # The IVR hangs up: the reply, then Asterisk pushes HANGUP; on the dead channel only the
    # commands res_agi marks dead-safe still run.
    ("HANGUP", None, "200 result=1\nHANGUP\n"),
    ("ANSWER", None, "511 Command Not Permitted on a dead channel or intercept routine\n"),
    ("NOOP", None, "200 result=0\n"),
    ("GET VARIABLE IVR_TEST", None, "200 result=1 (a b)\n"),
    ("SET VARIABLE A B", None, "200 result=1\n"),
    ("EXEC NoOp x", None, "200 result=0\n"),
    (
        'STREAM FILE hello-world ""',
        None,
        "511 Command Not Permitted on a dead channel or intercept routine\n",
    ),
    ("FOO BAR", None, "510 Invalid or unknown command\n"),
]

# The caller hangs up while WAIT FOR DIGIT / GET DATA waits.
CALLER_HANGS_UP: list[tuple[str, str | None, str]] = [
    ("ANSWER", None, "200 result=0\n"),
    ("WAIT FOR DIGIT 10000", "h", "200 result=-1\nHANGUP\n"),
    ("NOOP", None, "200 result=0\n"),
    (
        "WAIT FOR DIGIT 1000",
        None,
        "511 Command Not Permitted on a dead channel or intercept routine\n",
    ),
]
HANGUP_IN_GET_DATA: list[tuple[str, str | None, str]] = [
    ("ANSWER", None, "200 result=0\n"),
    ("GET DATA beep 10000 4", "h", "200 result=-1\nHANGUP\n"),
    ("NOOP", None, "200 result=0\n"),
]


@pytest.fixture
def sounds(tmp_path: Path) -> SoundLibrary:
    for name, samples in (("hello-world", 11234), ("beep", 2000)):
        (tmp_path / "en").mkdir(exist_ok=True)
        with wave.open(str(tmp_path / "en" / f"{name}.wav"), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(8000)
            wav.writeframes(bytes(2 * samples))
    return SoundLibrary(tmp_path)


def emulator(sounds: SoundLibrary, script: list[tuple[str, str | None, str]]) -> AgiEmulator:
    config = PbxConfig(sounds=sounds, language="en", reaction_seconds=0.42)
    transcript = CallTranscript("hotline", "13800138000", "1795645981.3")
    caller = Caller([keys for _, keys, _ in script if keys is not None])
    return AgiEmulator(
        config,
        caller,
        transcript,
        channel_name="Local/13800138000@hotline-test-00000001;2",
        variables={},
    )


@pytest.mark.parametrize(
    "script",
    [MAIN_CALL, CALLER_HANGS_UP, HANGUP_IN_GET_DATA],
    ids=["main", "caller-hangs-up", "hangup-in-get-data"],
)
async def test_replies_match_asterisk_byte_for_byte(
    sounds: SoundLibrary, script: list[tuple[str, str | None, str]]
) -> None:
    pbx = emulator(sounds, script)
    got = [(command, await pbx.handle(command)) for command, _, _ in script]
    assert got == [(command, reply) for command, _, reply in script]


@pytest.mark.parametrize(
    "command",
    [
        "EXEC",
        "GET DATA",
        "GET VARIABLE a b",
        "HANGUP a b",
        "RECORD FILE a b",
        "SET VARIABLE X",
        "STREAM FILE a b c d",
        "STREAM FILE hello-world 1 xyz",
        "VERBOSE",
        "WAIT FOR DIGIT x",
    ],
)
async def test_bad_syntax_is_framed_as_asterisk_frames_it(
    sounds: SoundLibrary, command: str
) -> None:
    # Asterisk 22 sends its XML documentation of the command between the two lines (several
    # lines for some commands); the simulator sends the command's syntax. Clients read to the
    # end line, so only the framing is protocol.
    reply = await emulator(sounds, []).handle(command)
    lines = reply.split("\n")
    assert lines[0] == USAGE_START == "520-Invalid command syntax.  Proper usage follows:"
    assert lines[-2:] == [USAGE_END, ""] and USAGE_END == "520 End of proper usage."
    assert all(not ln.startswith(("200 ", "520 ")) for ln in lines[1:-2])


def test_the_environment_has_asterisks_keys_order_and_dialplan_position() -> None:
    config = PbxConfig(language="en", channel_tech="Local", version="22.10.1", dnid="unknown")
    env = asterisk_environment(
        "127.0.0.1",
        14573,
        script="hotline",
        caller="13800138000",
        caller_name="Test",
        uniqueid="1795645981.3",
        channel_name="Local/13800138000@hotline-test-00000001;2",
        config=config,
    )
    env["threadid"] = "139682071996096"
    assert format_env(env) == REAL_ENV


def test_by_default_the_call_sits_where_the_hotline_dialplan_runs_agi() -> None:
    env = asterisk_environment(
        "127.0.0.1",
        4573,
        script="hotline",
        caller="13800138000",
        uniqueid="1.1",
        channel_name="PJSIP/carrier-00000001",
        config=PbxConfig(),
    )
    # extensions.conf: [hotline-ivr] exten => s,1,AGI(...); the dialled number stays in dnid.
    assert (env["context"], env["extension"], env["priority"], env["dnid"]) == (
        "hotline-ivr",
        "s",
        "1",
        "95598",
    )
