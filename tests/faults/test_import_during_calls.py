"""A large customer import while repair calls run: no caller gets silence, no work order is
lost or doubled."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
import time

import pytest
from sqlalchemy.engine import make_url

from ivr.db.session import Database
from ivr.pbxsim.call import simulate_call
from ivr.pbxsim.transcript import CallTranscript, EndReason
from ivr.services.tickets import Tickets
from ivr.speech.build import load_prompt_texts
from tests.conftest import CustomerFactory
from tests.faults.spawn import SpawnServe
from tests.hotline import ACCOUNT, ROOT
from tests.importer.big_csv import write_customers

pytestmark = pytest.mark.faults

ZH = load_prompt_texts(ROOT / "prompts")["zh-CN"]
READ_BACK = "您的报修已受理"
# SQLite: ~8 s of import, which in one transaction kept repair callers waiting in silence.
ROWS = {"sqlite": 30000, "postgresql": 10000}
# The longest a writer may wait for SQLite's lock during the import: well under the 10 s a
# call's write waits (one transaction over 30,000 rows made it ~11 s here).
MAX_LOCK_WAIT = 6.0
MAX_SILENCE = 4.5  # seconds between two commands: IVR_TICKET_WRITE_WAIT (3 s) and some


async def longest_lock_wait(database_url: str, importer: asyncio.subprocess.Process) -> float:
    """SQLite: the longest another writer waited for the write lock while the import ran."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return 0.0  # PostgreSQL locks rows, not the database
    conn = sqlite3.connect(str(url.database), timeout=60, isolation_level=None,
                           check_same_thread=False)

    def take_the_lock() -> float:
        began = time.monotonic()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return time.monotonic() - began

    longest = 0.0
    try:
        while importer.returncode is None:
            longest = max(longest, await asyncio.to_thread(take_the_lock))
            await asyncio.sleep(0.2)
    finally:
        conn.close()
    return longest


async def test_repair_calls_during_a_large_import(
    spawn_serve: SpawnServe, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()
    served = spawn_serve()
    await served.start()
    rows = ROWS[db.dialect]
    csv = write_customers(served.data_dir / "big.csv", rows)
    importer = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ivr.cli.main", "import", "customers", str(csv),
        env=served.env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    probe = asyncio.create_task(longest_lock_wait(served.database_url, importer))
    transcripts: list[CallTranscript] = []
    started = time.monotonic()
    while importer.returncode is None and time.monotonic() - started < 90:
        transcripts.append(await asyncio.wait_for(simulate_call(
            "127.0.0.1", served.agi_port, responses=["2", "1", "1", ""]), 30))
        await asyncio.sleep(0.2)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(importer.wait(), 0.01)
    output = (await importer.communicate())[0].decode()
    assert importer.returncode == 0, output
    assert await probe < MAX_LOCK_WAIT
    assert f"customers: {rows} new" in output
    assert len(transcripts) >= 3, "the import ended before calls could overlap it"
    for t in transcripts:
        assert t.ended is not EndReason.IVR_SILENT
        assert max(t.turnarounds) < MAX_SILENCE, "the caller waited in silence"
        read_back = any(p.startswith(READ_BACK) for p in t.prompts)
        told = ZH["system_error"] in t.prompts and [a.args for a in t.apps] == ["general-enquiry"]
        assert read_back or told, t.prompts
    # Every caller's work order is stored exactly once, however long it had to wait.
    async with asyncio.timeout(30):
        while True:
            tickets = await Tickets(db).search(account=ACCOUNT, limit=1000)
            if len(tickets) >= len(transcripts):
                break
            await asyncio.sleep(0.5)
    assert sorted(t.call_uniqueid or "" for t in tickets) == sorted(t.uniqueid for t in transcripts)
    served.stop()
