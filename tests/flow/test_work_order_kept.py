"""A work order the database cannot take at once: the caller is told and put through to a
person, and the order is written as soon as the database allows (never lost, never doubled)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from ivr.app import start_hotline
from ivr.db.enums import TicketType
from ivr.db.session import Database
from ivr.pbxsim.call import simulate_call
from ivr.pbxsim.transcript import Event, Heard
from ivr.services.pending_tickets import TicketRequest
from ivr.services.tickets import Tickets
from ivr.speech.build import load_prompt_texts
from ivr.speech.tts import SilentSynthesizer
from tests.conftest import CustomerFactory
from tests.hotline import ACCOUNT, ROOT, hotline_settings

ZH = load_prompt_texts(ROOT / "prompts")["zh-CN"]
READ_BACK = "您的报修已受理"


@asynccontextmanager
async def write_lock(database_url: str) -> AsyncIterator[None]:
    """Another writer holding the lock calls need (as a long import did)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(str(url.database), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.rollback()
            conn.close()
        return
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as pg, pg.begin() as tx:
            # Writes wait (reads go on), as they did behind the import's transaction.
            await pg.execute(text("LOCK TABLE tickets IN EXCLUSIVE MODE"))
            yield
            await tx.rollback()
    finally:
        await engine.dispose()


async def test_a_locked_database_costs_the_caller_no_silence_and_the_order_no_loss(
    db: Database, database_url: str, tmp_path: Path, add_customer: CustomerFactory
) -> None:
    await add_customer()
    settings = hotline_settings(database_url, tmp_path, ticket_write_wait=1.0)
    hotline = await start_hotline(settings, synth=SilentSynthesizer(settings.prompt_cache_dir),
                                  watch=False)
    told = asyncio.Event()

    def observe(event: Event) -> None:
        if isinstance(event, Heard) and event.text == ZH["system_error"]:
            told.set()

    async def locked_until_told() -> None:
        async with write_lock(database_url):
            await asyncio.wait_for(told.wait(), 30)

    try:
        lock = asyncio.create_task(locked_until_told())
        await asyncio.sleep(0.2)
        t = await simulate_call("127.0.0.1", hotline.agi_port, responses=["2", "1", "1"],
                                observer=observe)
        await lock
        assert not any(p.startswith(READ_BACK) for p in t.prompts)  # no number to give
        assert ZH["system_error"] in t.prompts  # told, honestly
        assert [a.args for a in t.apps] == ["general-enquiry"]  # and put through
        pending = hotline.runner.services.pending_tickets
        assert pending is not None
        await pending.drain()
        (ticket,) = await Tickets(db).search(account=ACCOUNT)
        assert ticket.call_uniqueid == t.uniqueid and ticket.type == "repair"
    finally:
        await hotline.close()


async def test_kept_orders_are_written_at_the_next_start_and_never_doubled(
    db: Database, database_url: str, tmp_path: Path, add_customer: CustomerFactory
) -> None:
    await add_customer()
    now = datetime.now(UTC)
    first = TicketRequest(TicketType.REPAIR, account=ACCOUNT, caller="+8613800138000",
                          description="no_power_home", call_uniqueid="1.1", at=now)
    second = TicketRequest(TicketType.REPAIR, account=ACCOUNT, caller="+8613800138000",
                           description="no_power_home", call_uniqueid="1.2", at=now)
    # The first was committed before the crash, but its "done" line never reached the spool.
    await Tickets(db).open(TicketType.REPAIR, account=ACCOUNT, caller="+8613800138000",
                           description="no_power_home", call_uniqueid="1.1", now=now)
    spool = tmp_path / "pending-work-orders.jsonl"
    spool.write_text("".join(json.dumps({"id": key, "request": r.to_json()}) + "\n"
                             for key, r in (("a", first), ("b", second)))
                     + '{"id": "c", "requ', encoding="utf-8")  # a line cut short by the crash
    settings = hotline_settings(database_url, tmp_path)
    hotline = await start_hotline(settings, synth=SilentSynthesizer(settings.prompt_cache_dir),
                                  watch=False)
    try:
        pending = hotline.runner.services.pending_tickets
        assert pending is not None
        await pending.drain()
    finally:
        await hotline.close()
    tickets = await Tickets(db).search(account=ACCOUNT)
    assert sorted(t.call_uniqueid or "" for t in tickets) == ["1.1", "1.2"]
