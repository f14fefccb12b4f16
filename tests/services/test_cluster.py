"""Several IVR processes on one PostgreSQL: a name held by a live process, the calls of a dead
one closed by a survivor (and only those), outage caches cleared by NOTIFY from any writer, and
each process its own spool of kept work orders."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ivr.db.cluster import SessionLock, held_locks, listen, lock_key
from ivr.db.enums import CallOutcome
from ivr.db.session import Database
from ivr.services.calls import CallLog
from ivr.services.customers import Customers
from ivr.services.instances import InstanceInUse, Instances
from ivr.services.outage_cache import OUTAGES_CHANNEL, CachedOutages
from ivr.services.outages import OutageInput, Outages
from ivr.services.pending_tickets import SpoolClaim
from tests.conftest import CustomerFactory

# Several processes share PostgreSQL only (SQLite: one process).
ON_POSTGRES = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)


@pytest.fixture
def pg(db: Database) -> Database:
    return db


@ON_POSTGRES
async def test_a_name_held_by_a_live_process_is_refused(pg: Database) -> None:
    first = Instances(pg, CallLog(pg), "ivr-1 10.0.0.1:4573")
    await first.claim()
    second = Instances(pg, CallLog(pg), "ivr-1 10.0.0.1:4573")
    with pytest.raises(InstanceInUse, match="IVR_AGI_BIND"):
        await second.claim(wait=0.5)
    await first.release()  # the first stops: the name is free for its restart
    await second.claim(wait=0.5)
    await second.release()


@ON_POSTGRES
async def test_a_survivor_closes_the_calls_of_a_dead_process_only(pg: Database) -> None:
    calls = CallLog(pg)
    t0 = datetime.now(UTC) - timedelta(minutes=1)
    for uid, instance in (("1.dead", "ivr-dead"), ("2.live", "ivr-live"), ("3.me", "ivr-me")):
        await calls.start(uid, None, "zh-CN", "hotline", "v", t0, instance=instance)
    live = SessionLock(pg, "ivr-instance:ivr-live")  # another process, running
    assert await live.try_acquire()
    assert live.key in await held_locks(pg)  # seen held without a connection of its own
    assert lock_key("ivr-instance:ivr-dead") not in await held_locks(pg)
    me = Instances(pg, calls, "ivr-me")
    await me.claim()
    try:
        assert await me.close_dead() == {"ivr-dead": ["1.dead"]}
        dead = await calls.get("1.dead")
        assert dead is not None and dead.outcome == CallOutcome.INTERRUPTED
        assert dead.events[-1].data == {"closed": "by ivr-me: process gone"}
        for uid in ("2.live", "3.me"):  # a live process's calls, and my own, stay open
            record = await calls.get(uid)
            assert record is not None and record.outcome is None
        assert await me.close_dead() == {}  # nothing twice
    finally:
        await me.release()
        await live.release()


def outage() -> OutageInput:
    now = datetime.now(UTC)
    return OutageInput(id="F-9", kind="fault", status="active", areas=["城东"],
                       starts_at=now - timedelta(hours=1), restore_eta=now + timedelta(hours=1))


@ON_POSTGRES
async def test_an_outage_written_anywhere_clears_every_process_cache_at_once(
    pg: Database, database_url: str, add_customer: CustomerFactory
) -> None:
    await add_customer()
    other = Database.from_url(database_url)  # another process's connection pool
    try:
        customer = await Customers(other).by_account("5100012345")
        assert customer is not None
        cache = CachedOutages(other, ttl=3600.0)  # would stay stale for an hour without NOTIFY
        listening = asyncio.Event()
        task = asyncio.create_task(listen(other, OUTAGES_CHANNEL, lambda _: cache.clear(),
                                          cache.clear, listening=listening))
        await asyncio.wait_for(listening.wait(), 10)
        assert (await cache.affecting(customer)).active == []
        await Outages(pg).upsert(outage())  # through "this" process, not the cache's
        for _ in range(50):
            if (await cache.affecting(customer)).active:
                break
            await asyncio.sleep(0.02)
        assert [o.id for o in (await cache.affecting(customer)).active] == ["F-9"]
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    finally:
        await other.close()


def test_processes_sharing_a_data_directory_each_keep_their_own_spool(tmp_path: Path) -> None:
    base = tmp_path / "pending-work-orders.jsonl"
    first, second = SpoolClaim.take(base), SpoolClaim.take(base)
    assert first.path == base and second.path == tmp_path / "pending-work-orders-1.jsonl"
    first.release()  # the first process is gone: the next to start takes its file over
    third = SpoolClaim.take(base)
    assert third.path == base
    second.release()
    third.release()
