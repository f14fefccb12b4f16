"""How many targets one dialer process drives, at what CPU cost, and how exactly it paces.

    python bench/dialer_bench.py --targets 3000 --channels 100 --per-second 40
    python bench/dialer_bench.py --postgres postgresql://postgres@127.0.0.1:5432/test

The AMI simulator runs in a child process (its trunk answers busy after a short ring, so each
target is one attempt); the dialer runs here, on a fresh migrated database, with its AMI link
over TCP. Figures: attempts per hour at the pace reached, CPU time of the dialer process per
attempt (user + system, the simulator excluded), the most Originates the dialer sent and the
simulator saw within one second against the configured rate, and the most calls the simulator
had in progress against the channels allowed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from ivr.ami.client import AmiClient
from ivr.ami.outbound import AmiOriginator
from ivr.db.enums import TargetState
from ivr.db.migrate import upgrade_database
from ivr.db.models import Base, DialTarget
from ivr.db.session import Database
from ivr.dialer.campaign_rules import Rules
from ivr.dialer.retries import retry_policy
from ivr.dialer.runner import Dialer
from ivr.services.campaigns import Campaigns, TargetRow
from ivr.services.dial_attempts import AttemptStore
from ivr.services.outbound import OriginateRequest

SIM = """
import asyncio, json, sys
from ivr.pbxsim.ami_outbound import Answer, OutboundTrunk
from ivr.pbxsim.ami_server import AmiSimulator

async def main():
    sim = AmiSimulator()
    sim.pbx.trunk = OutboundTrunk(plan=lambda n: Answer("busy", after=0.2))
    await sim.start()
    print(sim.url, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    t = sim.pbx.trunk
    print(json.dumps({"originates": len(t.arrivals), "max_per_second": t.max_per_second(),
                      "max_in_progress": t.max_in_progress}), flush=True)
    await sim.stop()

asyncio.run(main())
"""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def bench(url: str, sim: subprocess.Popen[str], targets: int, channels: int,
                per_second: float) -> dict[str, object]:
    db = Database.from_url(url)
    if db.dialect == "postgresql":
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with db.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    assert sim.stdout is not None and sim.stdin is not None
    client = AmiClient(sim.stdout.readline().strip(), action_timeout=10.0)
    trunk = max(channels, 1)
    originator = AmiOriginator(client, dial_template="PJSIP/{number}@carrier",
                               max_channels=trunk)
    client.on_event = originator.feed
    # When each Originate was handed to the AMI link, by the dialer's clock: the simulator
    # stamps arrivals when its own loop reads them, so a stall of that process bunches them.
    sent: list[float] = []
    originate = originator.originate

    async def stamped(request: OriginateRequest) -> None:
        sent.append(time.monotonic())
        await originate(request)

    originator.originate = stamped  # type: ignore[method-assign]
    client.start()
    assert await client.wait_up(5)

    def check(raw: dict[str, object]) -> dict[str, object]:
        return Rules.parse(raw, trunk_channels=trunk).as_dict()

    campaigns = Campaigns(db, check)
    info = await campaigns.create(
        name="bench", kind="list", flow="survey", by="bench",
        rules={"window": {"start": "00:00", "end": "23:59", "days": "every_day"},
               "pacing": {"channels": channels, "per_second": per_second},
               "retries": {"max_attempts": 1}})
    await campaigns.add_targets(info.id, [TargetRow(f"+86139{i:08d}") for i in range(targets)])
    dialer = Dialer(campaigns, AttemptStore(db, "bench", retry_policy), originator,
                    tz=ZoneInfo("Asia/Shanghai"), ring_seconds=5, poll_seconds=0.05)
    await campaigns.move(info.id, "start")
    cpu0, t0 = _cpu(), time.perf_counter()
    task = asyncio.create_task(dialer.run())
    checked = 0.0
    while True:
        await asyncio.sleep(0.25)
        # The database is asked only once the dialer looks done (and every 5 s in case an
        # attempt failed before its Originate): the bench's own queries are not the dialer's.
        if (dialer.originated < targets or dialer.in_flight) and time.perf_counter() - checked < 5:
            continue
        checked = time.perf_counter()
        async with db.sessionmaker() as session:
            left = await session.scalar(select(func.count()).select_from(DialTarget).where(
                DialTarget.state.in_((TargetState.PENDING, TargetState.DIALLING))))
        if not left:
            break
    elapsed, cpu = time.perf_counter() - t0, _cpu() - cpu0
    task.cancel()
    await asyncio.wait([task])
    await dialer.close()
    await client.close()
    sim.stdin.write("\n")
    sim.stdin.flush()
    seen = json.loads(sim.stdout.readline())
    await db.close()
    return {"targets": targets, "seconds": round(elapsed, 2),
            "attempts_per_hour": round(targets / elapsed * 3600),
            "cpu_ms_per_attempt": round(cpu / targets * 1000, 3),
            "configured_per_second": per_second, "max_per_second_sent": _most_in_a_second(sent),
            "max_per_second_seen": seen["max_per_second"],
            "configured_channels": channels, "max_in_progress_seen": seen["max_in_progress"],
            "originates_seen": seen["originates"], "at": datetime.now(UTC).isoformat()}


def _most_in_a_second(times: list[float]) -> int:
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=2000)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--per-second", type=float, default=40.0)
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            url = args.postgres.replace("postgresql://", "postgresql+asyncpg://", 1)
            upgrade_database(url)
        else:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            upgrade_database(url)
        # The simulator is its own process: its CPU is not the dialer's.
        sim = subprocess.Popen([sys.executable, "-c", SIM], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
        figures = asyncio.run(bench(url, sim, args.targets, args.channels, args.per_second))
        sim.wait(10)
    print(json.dumps(figures, indent=2))
    os._exit(0)


if __name__ == "__main__":
    main()
