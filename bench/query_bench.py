"""CPU per call of each statement group a bill-query call makes, in one process.

    IVR_DATA_DIR=/dev/shm/d ivr demo load --customers 600
    python bench/query_bench.py sqlite+aiosqlite:////dev/shm/d/ivr.db --customers 600

Runs each service call the hotline makes for a caller (the customer by caller id, the bills,
the outages covering the premises, the call's start and end with a 20-event journey) once per
generated demo customer and prints the process CPU time per call (this covers aiosqlite's
worker thread too) and the statements each sent. Writes call records to the database given.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from ivr.db.session import Database
from ivr.importer.demo import demo_phone
from ivr.services.bills import Bills
from ivr.services.calls import CallLog, JourneyEvent
from ivr.services.customers import CustomerInfo, Customers
from ivr.services.outages import Outages


async def bench(url: str, n: int) -> None:
    db = Database.from_url(url)
    customers, bills, outages, calls = Customers(db), Bills(db), Outages(db), CallLog(db)
    found: list[CustomerInfo] = []

    async def timed(name: str, step: Callable[[int], Awaitable[object]]) -> None:
        cpu, sent = time.process_time(), db.statements
        for i in range(n):
            await step(i)
        print(f"{name:12} {(time.process_time() - cpu) * 1000 / n:6.2f} ms CPU  "
              f"{(db.statements - sent) / n:.1f} statements")

    async def by_phone(i: int) -> None:
        info = await customers.by_phone(demo_phone(i))
        if info is None:
            raise SystemExit(f"no demo customer {i}: load the demo with --customers {n}")
        found.append(info)

    ids = [f"bench-{uuid.uuid4()}" for _ in range(n)]
    now = datetime.now(UTC)
    journey = [JourneyEvent(now, "prompt", {"prompt": "bill_summary"}) for _ in range(20)]
    try:
        await timed("warm-up", lambda i: customers.by_phone(demo_phone(i)))
        await timed("by_phone", by_phone)
        await timed("bills", lambda i: bills.summary(found[i].account))
        await timed("outages", lambda i: outages.affecting(found[i]))
        await timed("call start", lambda i: calls.start(
            ids[i], demo_phone(i), "zh-CN", "hotline", "bench", now, now))
        await timed("call finish", lambda i: calls.finish(
            ids[i], outcome="caller_hung_up", queue=None, account=found[i].account,
            ended_at=now, events=journey))
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="async SQLAlchemy URL of a database with the demo loaded")
    parser.add_argument("--customers", type=int, default=400)
    args = parser.parse_args()
    asyncio.run(bench(args.url, args.customers))


if __name__ == "__main__":
    main()
