"""The do-not-call list: a CSV checked whole (every bad row reported, nothing written), numbers
normalised as caller ids are, over the API (survey, supervisor, admin) and `ivr dnc`; listed,
removed; and the dialer honours an imported number."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from ivr.app import Hotline
from ivr.cli.main import cli
from ivr.db.enums import TargetState
from ivr.db.models import DoNotCall
from ivr.db.session import Database
from ivr.pbxsim.ami_outbound import Answer
from ivr.services.do_not_call import DoNotCallFileError, DoNotCallList, parse_do_not_call
from tests.ami_hotline import AmiApi
from tests.dialer.rig import dialer_rig

GOOD = "number,reason\n13800138000,asked on the phone\n+86 139-0013-9000,\n8613800138000,again\n"
BAD = ("number,reason\n13800138000,ok\nnot-a-number,x\n+8613900139000\n"
       "12,short\n" + "13700137000," + "x" * 201 + "\n")


async def _count(db: Database) -> int:
    async with db.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(DoNotCall)) or 0)


def test_every_bad_row_is_reported_with_its_line_and_column() -> None:
    with pytest.raises(DoNotCallFileError) as caught:
        parse_do_not_call("dnc.csv", BAD)
    assert caught.value.problems == [
        "dnc.csv:3: number: 'not-a-number' is not a phone number",
        "dnc.csv:4: row: 1 values, the header has 2",
        "dnc.csv:5: number: '12' is not a phone number",
        "dnc.csv:6: reason: longer than 200 characters",
    ]
    assert caught.value.total == 4


@pytest.mark.parametrize(("text", "problem"), [
    ("phone\n13800138000\n", "dnc.csv:1: header: a 'number' column is required"),
    ("number,why\n13800138000,x\n", "dnc.csv:1: header: unknown column 'why'; expected number, "
                                    "reason"),
    ("number\n", "dnc.csv:1: file: no numbers in it"),
    ('number\n"13800138000\n', "dnc.csv:2: row: malformed CSV: unexpected end of data"),
])
def test_a_file_that_is_not_a_list_is_refused(text: str, problem: str) -> None:
    with pytest.raises(DoNotCallFileError) as caught:
        parse_do_not_call("dnc.csv", text)
    assert caught.value.problems == [problem]


async def test_import_normalises_and_counts_what_was_there(db: Database) -> None:
    dnc = DoNotCallList(db)
    done = await dnc.import_csv("dnc.csv", GOOD, "test")
    # 13800138000 and 8613800138000 are one number (+8613800138000): the first row's reason.
    assert (done.rows, done.added, done.already) == (2, 2, 0)
    entries = {e.number: e.reason for e in await dnc.entries()}
    assert entries == {"+8613800138000": "asked on the phone", "+8613900139000": "imported"}
    again = await dnc.import_csv("dnc.csv", GOOD, "test")
    assert (again.added, again.already) == (0, 2)
    with pytest.raises(DoNotCallFileError):
        await dnc.import_csv("bad.csv", BAD, "test")
    assert await _count(db) == 2  # the good row of the bad file was not written either
    assert [e.number for e in await dnc.entries("138 0013 8000")] == ["+8613800138000"]
    assert await dnc.remove("013800138000") is True  # the trunk prefix 0: the same number
    assert await dnc.remove("+86 138 0013 8000") is False
    assert await _count(db) == 1


async def test_an_imported_number_is_never_dialled(db: Database) -> None:
    await DoNotCallList(db).import_csv("dnc.csv", "number\n13800138000\n", "test")
    async with dialer_rig(db, lambda n: Answer("busy", after=0.01)) as rig:
        await rig.campaign("list-1", ["+8613800138000", "+8613900139000"],
                           retries={"max_attempts": 1})
        await rig.settle(lambda ts: all(t.ended_at is not None for t in ts))
        blocked, called = await rig.targets()
        assert blocked.state == TargetState.DO_NOT_CALL
        assert called.state == TargetState.UNREACHABLE  # dialled once: busy
        assert rig.trunk.numbers == ["+8613900139000"]


async def test_the_api_imports_lists_and_removes_for_the_survey_team(
    ami_hotline: Hotline, ami_api: AmiApi, db: Database,
) -> None:
    csv_body = {"data": BAD.encode(), "headers": {"Content-Type": "text/csv"}}
    status, body = await ami_api("POST", "/api/do-not-call/import?name=list.csv", role="survey",
                                 **csv_body)
    assert status == 400 and body["count"] == 4
    assert body["problems"][0] == "list.csv:3: number: 'not-a-number' is not a phone number"
    assert await _count(db) == 0
    for role in ("supervisor", "admin"):
        status, body = await ami_api("POST", "/api/do-not-call/import", role=role,
                                     data=GOOD.encode(), headers={"Content-Type": "text/csv"})
        assert status in (200, 201), body
    assert body == {"rows": 2, "added": 0, "already": 2}
    status, _ = await ami_api("POST", "/api/do-not-call/import", role="dispatch",
                              data=GOOD.encode(), headers={"Content-Type": "text/csv"})
    assert status == 403
    status, listed = await ami_api("GET", "/api/do-not-call?number=8613900139000",
                                   role="survey")
    assert status == 200 and [n["number"] for n in listed["numbers"]] == ["+8613900139000"]
    status, _ = await ami_api("DELETE", "/api/do-not-call/13900139000", role="survey")
    assert status == 200
    status, _ = await ami_api("DELETE", "/api/do-not-call/13900139000", role="survey")
    assert status == 404
    status, body = await ami_api("GET", "/api/do-not-call?number=abc", role="survey")
    assert status == 400 and body["field"] == "number"


async def test_the_cli_reports_every_problem_and_writes_nothing(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    monkeypatch.delenv("IVR_CONFIG", raising=False)
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(BAD, encoding="utf-8")
    good.write_text(GOOD, encoding="utf-8")
    runner = CliRunner()
    result = await asyncio.to_thread(runner.invoke, cli, ["dnc", "import", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: number: 'not-a-number' is not a phone number" in result.output
    assert f"{bad}:6: reason: longer than 200 characters" in result.output
    assert await _count(db) == 0
    result = await asyncio.to_thread(runner.invoke, cli, ["dnc", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 numbers: 2 added, 0 already on the list" in result.output
    result = await asyncio.to_thread(runner.invoke, cli, ["dnc", "list"])
    assert "+8613800138000" in result.output and "+8613900139000" in result.output
    result = await asyncio.to_thread(runner.invoke, cli, ["dnc", "remove", "13800138000"])
    assert result.exit_code == 0 and await _count(db) == 1
