"""`ivr asterisk agents-conf`: include files from the agents table, stable passwords."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli.main import cli

AGENTS = (
    "agent,name,extension,skills,languages\n"
    "A002,Wang Fang,8002,general;repair,zh-CN\n"
    "A001,Li Na,8001,repair;general;emergency,zh-CN\n"
)


@pytest.fixture
def runner(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    database = tmp_path / "ivr.db"
    shutil.copyfile(sqlite_template, database)
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.delenv("IVR_CONFIG", raising=False)
    return CliRunner()


def test_writes_both_files_from_the_agents_table(runner: CliRunner, tmp_path: Path) -> None:
    agents = tmp_path / "agents.csv"
    agents.write_text(AGENTS, encoding="utf-8")
    assert runner.invoke(cli, ["import", "agents", str(agents)]).exit_code == 0
    out = tmp_path / "etc-asterisk"
    result = runner.invoke(cli, ["asterisk", "agents-conf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 agents: wrote ")

    members = (out / "queues-members.conf").read_text()
    assert "[repair](+)\nmember => PJSIP/8001,0,A001,PJSIP/8001\nmember => PJSIP/8002,1,A002" in (
        members
    )
    assert "[general-enquiry](+)\nmember => PJSIP/8001,1,A001,PJSIP/8001\n" in members
    assert "member => PJSIP/8002,0,A002,PJSIP/8002" in members
    assert "[emergency](+)\nmember => PJSIP/8001,1,A001,PJSIP/8001\n" in members

    pjsip = out / "pjsip-agents.conf"
    text = pjsip.read_text()
    assert "[8001](agent-endpoint)" in text and "[8002-auth](agent-auth)" in text
    assert stat.S_IMODE(pjsip.stat().st_mode) == 0o640
    key = tmp_path / "var" / "agent-phones.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    passwords = [line for line in text.splitlines() if line.startswith("password = ")]
    assert len(passwords) == 2 and len(set(passwords)) == 2

    # Again, after a re-import: the same key, the same passwords.
    assert runner.invoke(cli, ["import", "agents", str(agents)]).exit_code == 0
    assert runner.invoke(cli, ["asterisk", "agents-conf", "--out", str(out)]).exit_code == 0
    assert pjsip.read_text() == text
    other_key = tmp_path / "other.key"
    other_key.write_text("f" * 64)
    result = runner.invoke(
        cli, ["asterisk", "agents-conf", "--out", str(out), "--key-file", str(other_key)]
    )
    assert result.exit_code == 0 and pjsip.read_text() != text


def test_an_unmigrated_database_is_refused_with_the_fix(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = runner.invoke(cli, ["asterisk", "agents-conf", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1 and "ivr db upgrade" in result.output
    assert not (tmp_path / "x").exists()
