"""RECORD FILE on the simulated Asterisk: handle_recordfile's replies and the files it writes,
and what a speaking caller does to commands that listen for keys only."""

from __future__ import annotations

import array
import shutil
import wave
from pathlib import Path

import pytest

from ivr.pbxsim import Caller, PbxConfig, SoundLibrary, Spoke, parse_response
from ivr.pbxsim.commands import AgiEmulator
from ivr.pbxsim.transcript import CallTranscript, Heard, KeysPressed

pytestmark = pytest.mark.skipif(
    not (shutil.which("espeak-ng") and shutil.which("sox")), reason="needs espeak-ng and sox"
)

SOUNDS = SoundLibrary(virtual={"menu": "Press 1 for outages."})


def emulator(*responses: str, root: Path | None = None) -> AgiEmulator:
    sounds = SoundLibrary(root, SOUNDS.virtual) if root else SOUNDS
    return AgiEmulator(
        PbxConfig(sounds=sounds),
        Caller(responses),
        CallTranscript("hotline", "+8613800138000", "1718000000.1"),
        channel_name="PJSIP/carrier-1",
        variables={},
    )


def read_wav(path: Path) -> tuple[tuple[int, int, int], array.array[int]]:
    with wave.open(str(path), "rb") as wav:
        shape = (wav.getframerate(), wav.getsampwidth(), wav.getnchannels())
        samples = array.array("h", wav.readframes(wav.getnframes()))
    return shape, samples


def loud(samples: array.array[int]) -> int:
    """How many samples carry sound (digital silence is all zeros)."""
    return sum(1 for s in samples if abs(s) > 500)


def test_say_and_audio_responses_parse() -> None:
    assert str(parse_response("say: repair ")) == "say:repair"
    assert parse_response("SAY:停电").text == "停电"
    assert parse_response("audio:/tmp/x.wav").kind == "audio"
    with pytest.raises(ValueError, match="say"):
        parse_response("say:")
    assert parse_response("1").spoken is False


async def test_speech_ends_after_silence_with_asterisks_reply(tmp_path: Path) -> None:
    pbx = emulator("say:repair")
    reply = await pbx.handle(f'RECORD FILE "{tmp_path}/rec" wav "#" 8000 s=1')
    shape, samples = read_wav(tmp_path / "rec.wav")
    assert shape == (8000, 2, 1)
    # 0.3 s before the caller speaks, the words, then the 1 s of silence Asterisk keeps.
    speech = len(samples) - 8000 - 2400
    assert 2400 < speech < 16000
    assert loud(samples[2400:2400 + speech]) > speech // 10
    assert loud(samples[:2400]) == 0 and loud(samples[-8000:]) == 0
    # result: what was left of the 8 s limit when silence stopped the recording.
    left = 8000 - len(samples) // 8
    assert reply == f"200 result={left} (timeout) endpos={len(samples)}\n"
    assert pbx.caller.responses_left == 0
    assert pbx.transcript.events[-1] == Spoke(
        0.0, "repair", "RECORD FILE", str(tmp_path / "rec.wav"), len(samples) / 8000
    )
    assert pbx.clock.now == pytest.approx(len(samples) / 8000)  # s=1: nothing rewound


async def test_longer_silence_setting_keeps_one_second_and_no_limit_answers_99980(
    tmp_path: Path,
) -> None:
    pbx = emulator("say:repair", "say:repair")
    reply = await pbx.handle(f'RECORD FILE "{tmp_path}/rec" wav "" -1 s=3')
    _, samples = read_wav(tmp_path / "rec.wav")
    assert reply == f"200 result=99980 (timeout) endpos={len(samples)}\n"
    assert pbx.clock.now == pytest.approx(len(samples) / 8000 + 2)  # 3 s heard, 2 s cut
    await pbx.handle(f'RECORD FILE "{tmp_path}/one" wav "" -1 s=1')
    _, with_one = read_wav(tmp_path / "one.wav")
    assert samples == with_one  # either way Asterisk keeps 1 s of the silence


async def test_silent_caller_is_cut_by_the_silence_detector(tmp_path: Path) -> None:
    pbx = emulator("")
    assert await pbx.handle(f'RECORD FILE "{tmp_path}/rec" wav "#" 8000 s=1') == (
        "200 result=7000 (timeout) endpos=8000\n"
    )
    _, samples = read_wav(tmp_path / "rec.wav")
    assert len(samples) == 8000 and loud(samples) == 0
    assert pbx.transcript.events[-1] == Spoke(0.0, None, "RECORD FILE",
                                              str(tmp_path / "rec.wav"), 1.0)


async def test_time_limit_without_silence_detection(tmp_path: Path) -> None:
    pbx = emulator("say:I would like to report a power outage in my street", "")
    reply = await pbx.handle(f'RECORD FILE "{tmp_path}/long" wav "" 1500')
    assert reply == "200 result=0 (timeout) endpos=12000\n"  # cut mid-sentence at 1.5 s
    _, samples = read_wav(tmp_path / "long.wav")
    assert len(samples) == 12000 and loud(samples[-4000:]) > 0
    assert await pbx.handle(f'RECORD FILE "{tmp_path}/none" wav "" 0') == (
        "200 result=0 (timeout) endpos=0\n"  # a zero limit records nothing
    )


async def test_escape_key_ends_with_dtmf_and_chops_200_ms(tmp_path: Path) -> None:
    pbx = emulator("12#5")
    reply = await pbx.handle(f'RECORD FILE "{tmp_path}/k" wav "#" 8000 s=2')
    # Keys at 0.8, 1.05, 1.3 s; 1 and 2 are read and dropped; # ends it; 5 stays pending.
    assert reply == "200 result=35 (dtmf) endpos=8800\n"
    assert pbx.caller.responses_left == 1
    assert pbx.transcript.events[-1] == KeysPressed(1.3, "12#", "RECORD FILE")
    assert (await pbx.handle("WAIT FOR DIGIT 100")) == "200 result=53\n"


async def test_keys_that_are_not_escape_digits_do_not_end_it(tmp_path: Path) -> None:
    pbx = emulator("1")
    assert await pbx.handle(f'RECORD FILE "{tmp_path}/k" wav "#" 5000') == (
        "200 result=0 (timeout) endpos=40000\n"
    )
    assert pbx.caller.responses_left == 0


async def test_hangup_while_recording_pushes_hangup(tmp_path: Path) -> None:
    pbx = emulator("h")
    assert await pbx.handle(f'RECORD FILE "{tmp_path}/h" wav "" 8000 s=1') == (
        "200 result=-1 (hangup) endpos=6400\nHANGUP\n"
    )
    assert (tmp_path / "h.wav").is_file()
    assert await pbx.handle("NOOP") == "200 result=0\n"
    assert (await pbx.handle(f'RECORD FILE "{tmp_path}/h" wav "" 8000')).startswith("511 ")


async def test_beep_argument_rules_and_offset(tmp_path: Path) -> None:
    pbx = emulator("", "", "")
    await pbx.handle(f'RECORD FILE "{tmp_path}/a" wav "" 8000 s=1')  # no beep
    await pbx.handle(f'RECORD FILE "{tmp_path}/a" wav "" 8000 BEEP s=1')  # beep
    # An offset keeps that much of the file, and a word after it asks for a beep.
    reply = await pbx.handle(f'RECORD FILE "{tmp_path}/a" wav "" 8000 4000 b s=1')
    assert reply == "200 result=7000 (timeout) endpos=12000\n"
    beeps = [e for e in pbx.transcript.events if isinstance(e, Heard) and e.file == "beep"]
    assert len(beeps) == 2


async def test_formats_and_paths(tmp_path: Path) -> None:
    pbx = emulator("say:bill", "", "", "", root=tmp_path)
    reply = await pbx.handle('RECORD FILE "spoken" wav16 "" 8000 s=1')  # under the sounds dir
    shape, samples = read_wav(tmp_path / "spoken.wav16")
    assert shape == (16000, 2, 1) and reply.endswith(f"endpos={len(samples)}\n")
    assert await pbx.handle(f'RECORD FILE "{tmp_path}/raw" sln "" 8000 s=1') == (
        "200 result=7000 (timeout) endpos=8000\n"
    )
    assert (tmp_path / "raw.sln").stat().st_size == 16000
    # No such directory, or a format the simulator has no module for: Asterisk's writefile.
    assert await pbx.handle(f'RECORD FILE "{tmp_path}/no/dir" wav "" 8000') == (
        "200 result=-1 (writefile)\n"
    )
    assert await pbx.handle(f'RECORD FILE "{tmp_path}/g" gsm "" 8000') == (
        "200 result=-1 (writefile)\n"
    )
    assert pbx.caller.responses_left == 2  # a failed recording hears nothing
    assert (await pbx.handle("RECORD FILE x wav 1")).startswith("520-")
    assert (await pbx.handle("RECORD FILE x wav 1 soon")).startswith("520-")


async def test_audio_response_copies_the_recording(tmp_path: Path) -> None:
    source = tmp_path / "said.wav"
    with wave.open(str(source), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(array.array("h", [3000, -3000] * 4000).tobytes())
    pbx = emulator(f"audio:{source}")
    await pbx.handle(f'RECORD FILE "{tmp_path}/rec" wav "" 8000 s=1')
    _, samples = read_wav(tmp_path / "rec.wav")
    assert list(samples[2400:2400 + 8000]) == [3000, -3000] * 4000
    assert len(samples) == 2400 + 8000 + 8000


async def test_speech_to_key_only_commands() -> None:
    pbx = emulator("say:repair", "say:bill", "say:agent", "2")
    # STREAM FILE plays on through speech; it stays for the next listening command.
    assert await pbx.handle('STREAM FILE menu "12"') == "200 result=0 endpos=24000\n"
    assert await pbx.handle("GET DATA menu 3000 1") == "200 result= (timeout)\n"
    assert await pbx.handle("WAIT FOR DIGIT 2000") == "200 result=0\n"
    assert await pbx.handle("WAIT FOR DIGIT 2000") == "200 result=0\n"
    assert await pbx.handle("WAIT FOR DIGIT 2000") == "200 result=50\n"
    said = [(e.words, e.command) for e in pbx.transcript.events if isinstance(e, Spoke)]
    assert said == [("repair", "GET DATA"), ("bill", "WAIT FOR DIGIT"),
                    ("agent", "WAIT FOR DIGIT")]
