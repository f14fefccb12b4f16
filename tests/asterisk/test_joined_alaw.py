"""A joined sentence as a real Asterisk plays it: the raw A-law file the IVR writes for one
caller is found by its base name over FastAGI and played whole, in its own format (no
translation to the carrier's A-law), and the simulator answers the same `endpos`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ivr.agi.codec import AgiReply
from ivr.agi.server import start_agi_server
from ivr.agi.session import AgiChannel
from ivr.ami.client import AmiClient
from ivr.asterisk_names import TEST_CONTEXT
from ivr.flow.prompts import load_prompts
from ivr.pbxsim import SoundLibrary
from ivr.speech.joined import Joiner
from ivr.speech.tts import EspeakSynthesizer

from .real_pbx import free_port, needs_asterisk, running_asterisk

pytestmark = [pytest.mark.asterisk, pytest.mark.timeout(120), needs_asterisk]

ROOT = Path(__file__).resolve().parents[2]


async def test_a_joined_sentence_plays_whole_from_its_alaw_file(tmp_path: Path) -> None:
    catalog = load_prompts(ROOT / "prompts")
    values = {"ticket_number": "R20261203-0042"}
    parts = catalog.parts("ticket_created", "zh-CN", values)
    text = "".join(part.text for part in parts)
    async with EspeakSynthesizer(tmp_path / "cache", workers=2) as synth:
        joined = await Joiner(synth).render(parts, text, "zh-CN")
    samples = joined.with_suffix(".alaw").stat().st_size  # one byte a sample at 8 kHz
    assert samples > 4 * 8000  # a sentence, not a blip

    replies: list[AgiReply] = []

    async def handler(channel: AgiChannel) -> None:
        await channel.answer()
        replies.append(await channel.command("STREAM FILE", str(joined), ""))
        await channel.hangup()

    port = free_port()
    server = await start_agi_server(handler, "127.0.0.1", port)
    try:
        with running_asterisk(tmp_path / "pbx", port) as pbx:
            ami = AmiClient(pbx.url, backoff_initial=0.2)
            ami.start()
            try:
                assert await ami.wait_up(20)
                await ami.originate(f"Local/13800138000@{TEST_CONTEXT}", application="Wait",
                                    data="30", ring_seconds=10, caller_id="13800138000")
                async with asyncio.timeout(60):  # the sentence plays in real time
                    while not replies:  # noqa: ASYNC110
                        await asyncio.sleep(0.2)
            finally:
                await ami.close()
            log = pbx.messages()
    finally:
        await server.close()

    (reply,) = replies
    assert reply.result == "0" and reply.endpos == samples  # to the end, every sample
    assert f"Playing '{joined}.alaw'" in log  # the A-law file itself, nothing converted
    sound = SoundLibrary(tmp_path / "cache").find(str(joined), "zh")
    assert sound is not None and sound.samples == reply.endpos  # the simulator agrees
