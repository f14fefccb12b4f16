"""`ivr call` against a FastAGI server on a real port, running in its own thread and loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.agi.server import AgiServer, start_agi_server
from ivr.agi.session import AgiChannel
from ivr.cli.main import cli


async def menu(ch: AgiChannel) -> None:
    await ch.answer()
    digit = await ch.stream_file("menu", "12")
    if digit is None:
        digit = await ch.wait_for_digit(2000)
    if digit == "1":
        await ch.set_variable("QUEUE_PRIO", "5")
        await ch.exec("Queue", "general")
    await ch.hangup()


@pytest.fixture
def agi_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    cache = tmp_path / "prompt-cache" / "zh"
    cache.mkdir(parents=True)
    (cache / "menu.wav").write_bytes(b"")
    (cache / "menu.txt").write_text("Press 1 for a person.", encoding="utf-8")
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path))
    loop = asyncio.new_event_loop()
    server: AgiServer = loop.run_until_complete(start_agi_server(menu, "127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield server.port
    asyncio.run_coroutine_threadsafe(server.close(grace=1), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_call_to_a_queue(agi_port: int) -> None:
    result = CliRunner().invoke(cli, ["call", "--port", str(agi_port), "--keys", "1"])
    assert result.exit_code == 0, result.output
    assert "IVR: Press 1 for a person.\n" in result.output
    assert "caller keys: 1\n" in result.output
    assert "set QUEUE_PRIO=5" in result.output
    assert "call ended: call ended in a dialplan application: Queue(general)" in result.output
    assert "application: Queue(general) -> -1" in result.output


def test_call_with_silence_then_hangup(agi_port: int) -> None:
    result = CliRunner().invoke(cli, ["call", "--port", str(agi_port), "--keys", ""])
    assert result.exit_code == 0, result.output
    assert "IVR hung up" in result.output


def test_bad_keys_and_no_server() -> None:
    result = CliRunner().invoke(cli, ["call", "--keys", "1x"])
    assert result.exit_code == 2 and "--keys" in result.output
    result = CliRunner().invoke(cli, ["call", "--port", "1"])
    assert result.exit_code == 1
    assert "could not connect" in result.output


def test_call_with_speech_to_a_keypad_menu(agi_port: int) -> None:
    result = CliRunner().invoke(cli, ["call", "--port", str(agi_port), "--keys", "say:repair"])
    assert result.exit_code == 0, result.output
    assert "caller says: repair  (unheard: WAIT FOR DIGIT listens for keys only)" in result.output
    assert "IVR hung up" in result.output
