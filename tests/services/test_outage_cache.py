"""The storm cache: one query for many callers on the same premises' area, never stale for long."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from ivr.db.session import Database
from ivr.services.customers import Customers
from ivr.services.outage_cache import CachedOutages
from ivr.services.outages import OutageInput, Outages
from tests.conftest import CustomerFactory


def outage(**overrides: object) -> OutageInput:
    now = datetime.now(UTC)
    values: dict[str, object] = {
        "id": "F-1", "kind": "fault", "status": "active", "areas": ["城东"],
        "starts_at": now - timedelta(hours=1), "restore_eta": now + timedelta(hours=1),
    } | overrides
    return OutageInput(**values)  # type: ignore[arg-type]


async def test_callers_share_one_query_until_it_expires(
    db: Database, add_customer: CustomerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_customer()
    customer = await Customers(db).by_account("5100012345")
    assert customer is not None
    await Outages(db).upsert(outage())
    queries = 0
    real = Outages.affecting

    async def counted(self: Outages, *args: object, **kwargs: object) -> object:
        nonlocal queries
        queries += 1
        return await real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Outages, "affecting", counted)
    clock = [100.0]
    cache = CachedOutages(db, ttl=2.0, clock=lambda: clock[0])
    reports = await asyncio.gather(*(cache.affecting(customer) for _ in range(50)))
    assert queries == 1
    assert all([o.id for o in r.active] == ["F-1"] for r in reports)
    clock[0] += 1.9
    await cache.affecting(customer)
    assert queries == 1
    clock[0] += 0.2
    await Outages(db).restore("F-1")  # restored elsewhere: seen once the answer expires
    assert (await cache.affecting(customer)).active == []
    assert queries == 2


async def test_an_update_through_the_cache_clears_it(
    db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()
    customer = await Customers(db).by_account("5100012345")
    assert customer is not None
    cache = CachedOutages(db, ttl=60.0)
    await cache.upsert(outage())
    assert [o.id for o in (await cache.affecting(customer)).active] == ["F-1"]
    await cache.restore("F-1")
    assert (await cache.affecting(customer)).active == []
    assert await cache.find_active_for(customer) is None


async def test_a_failed_lookup_is_not_kept(
    db: Database, add_customer: CustomerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_customer()
    customer = await Customers(db).by_account("5100012345")
    assert customer is not None
    real = Outages.affecting

    async def down(self: Outages, *args: object, **kwargs: object) -> object:
        raise ConnectionError("database went away")

    cache = CachedOutages(db, ttl=60.0)
    monkeypatch.setattr(Outages, "affecting", down)
    with pytest.raises(ConnectionError):
        await cache.affecting(customer)
    monkeypatch.setattr(Outages, "affecting", real)
    assert (await cache.affecting(customer)).active == []
