"""`ivr prompts addresses`: every customer's address rendered ahead by the real engine, each one
measured as speech (not silence), and a second run renders nothing again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli.main import cli
from ivr.config import Settings
from ivr.db.session import Database
from ivr.services.customers import Customers
from ivr.speech.quality import check_wav
from ivr.speech.tts import EspeakSynthesizer


async def _rendered(settings: Settings) -> list[tuple[str, str, Path | None]]:
    database = Database.from_settings(settings)
    try:
        wanted = await Customers(database).addresses()
    finally:
        await database.close()
    found: list[tuple[str, str, Path | None]] = []
    async with EspeakSynthesizer.from_settings(settings) as synth:
        for address, language in wanted:
            cached = await synth.is_cached(address, language.value)
            # render() of a cached text returns its file without synthesizing again
            found.append((address, language.value,
                          await synth.render(address, language.value) if cached else None))
    return found


def test_every_address_is_rendered_ahead_and_heard(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IVR_DATABASE_URL", "")
    runner = CliRunner()
    loaded = runner.invoke(cli, ["demo", "load", "--customers", "6"])
    assert loaded.exit_code == 0, loaded.output

    first = runner.invoke(cli, ["prompts", "addresses"])
    assert first.exit_code == 0, first.output
    found = asyncio.run(_rendered(Settings()))
    assert len(found) >= 6
    assert f"addresses: {len(found)} rendered, 0 cached, 0 failed" in first.output
    for address, language, path in found:
        assert path is not None, f"{address} ({language}) not rendered"
        for suffix in (".wav", ".wav16"):  # what Asterisk plays at 8 and 16 kHz
            # raises on silence, clipping or a runaway rendering
            levels = check_wav(path.with_suffix(suffix), address, language)
            assert levels.seconds > 0.8 and levels.rms_dbfs > -35

    again = runner.invoke(cli, ["prompts", "addresses"])
    assert again.exit_code == 0, again.output
    assert f"addresses: 0 rendered, {len(found)} cached, 0 failed" in again.output
