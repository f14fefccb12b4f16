"""`ivr user add`: the password from a prompt or standard input, never from an argument."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli.main import cli
from ivr.db.session import Database
from ivr.services.users import Users


async def test_a_user_is_added_with_the_password_from_stdin(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    monkeypatch.delenv("IVR_CONFIG", raising=False)
    runner = CliRunner()
    result = await asyncio.to_thread(
        runner.invoke, cli, ["user", "add", "A001", "--role", "agent", "--password-stdin"],
        input="a long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    user = await Users(db).authenticate("A001", "a long enough secret")
    assert user is not None and user.role == "agent"

    again = await asyncio.to_thread(
        runner.invoke, cli, ["user", "add", "A001", "--role", "agent", "--password-stdin"],
        input="another long secret\n",
    )
    assert again.exit_code == 1 and "exists" in again.output
    short = await asyncio.to_thread(
        runner.invoke, cli, ["user", "add", "B", "--role", "admin"], input="short\nshort\n",
    )
    assert short.exit_code == 1 and "password" in short.output
