"""`ivr announce` against the real database, with the real speech engine rendering and checking
the audio in both languages when an announcement is switched on."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli.main import cli
from ivr.db.session import Database
from ivr.services.announcements import Announcements
from tests.hotline import ROOT, add_outage


@pytest.fixture
def runner(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    monkeypatch.setenv("IVR_FLOWS_DIR", str(ROOT / "flows"))
    monkeypatch.setenv("IVR_PROMPTS_DIR", str(ROOT / "prompts"))
    monkeypatch.delenv("IVR_CONFIG", raising=False)
    return CliRunner()


async def test_switch_on_list_end_and_draft(db: Database, runner: CliRunner) -> None:
    expires = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    on = await asyncio.to_thread(runner.invoke, cli, [
        "announce", "on", "--area", "城东", "--what-zh", "城东线路跳闸停电",
        "--doing-zh", "抢修人员正在抢修", "--what-en", "Lines tripped in Chengdong",
        "--doing-en", "Crews are on site", "--expires", expires, "--by", "dispatch-1"])
    assert on.exit_code == 0, on.output
    assert "[城东]" in on.output and "audio zh-CN: ok" in on.output
    assert "audio en-US: ok" in on.output
    [info] = await Announcements(db).active()
    assert info.created_by == "dispatch-1" and info.areas == ("城东",)

    listed = await asyncio.to_thread(runner.invoke, cli, ["announce", "list"])
    assert listed.exit_code == 0 and f"#{info.id} on [城东]" in listed.output

    ended = await asyncio.to_thread(runner.invoke, cli, ["announce", "end", str(info.id)])
    assert ended.exit_code == 0 and f"#{info.id} ended" in ended.output
    again = await asyncio.to_thread(runner.invoke, cli, ["announce", "end", str(info.id)])
    assert again.exit_code == 1 and "no longer on" in again.output

    none = await asyncio.to_thread(runner.invoke, cli, ["announce", "draft", "城东"])
    assert none.exit_code == 1 and "no active outage" in none.output
    await add_outage(db)
    draft = await asyncio.to_thread(runner.invoke, cli, ["announce", "draft", "城东"])
    assert draft.exit_code == 0
    assert json.loads(draft.output)["texts"]["zh-CN"]["what"] == "城东发生停电，原因是线路故障"


@pytest.mark.parametrize(("args", "message"), [
    (["--area", "城东", "--everyone"], "give --area"),
    ([], "give --area"),
    (["--everyone", "--next-update", "tomorrow"], "next-update"),
])
async def test_bad_input_is_refused_and_nothing_is_stored(
    db: Database, runner: CliRunner, args: list[str], message: str
) -> None:
    expires = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    result = await asyncio.to_thread(runner.invoke, cli, [
        "announce", "on", *args, "--what-zh", "a", "--doing-zh", "b", "--what-en", "c",
        "--doing-en", "d", "--expires", expires])
    assert result.exit_code == 1 and message in result.output, result.output
    assert await Announcements(db).recent() == []
