"""A dialer wired to the AMI simulator over real TCP, on a real database."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ivr.ami.client import AmiClient
from ivr.ami.outbound import AmiOriginator
from ivr.db.models import DialAttempt, DialTarget
from ivr.db.session import Database
from ivr.dialer.campaign_rules import Rules
from ivr.dialer.retries import retry_policy
from ivr.dialer.runner import Dialer
from ivr.pbxsim.ami_outbound import Answer, OutboundTrunk
from ivr.pbxsim.ami_server import AmiSimulator
from ivr.services.campaigns import Campaigns, TargetRow
from ivr.services.dial_attempts import AttemptStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
ALWAYS = {"window": {"start": "00:00", "end": "23:59", "days": "every_day"}}
FAST_AMI: dict[str, Any] = {"ping_interval": 5.0, "action_timeout": 2.0,
                            "backoff_initial": 0.05, "backoff_max": 0.2}


@dataclass
class Rig:
    sim: AmiSimulator
    trunk: OutboundTrunk
    client: AmiClient
    dialer: Dialer
    campaigns: Campaigns
    db: Database

    async def campaign(self, name: str, numbers: list[str], **rules: Any) -> int:
        info = await self.campaigns.create(
            name=name, kind="list", flow="survey", caller_id="95598",
            rules={**ALWAYS, **rules}, by="test")
        await self.campaigns.add_targets(info.id, [TargetRow(n) for n in numbers])
        await self.campaigns.move(info.id, "start")
        return info.id

    async def targets(self) -> list[DialTarget]:
        async with self.db.sessionmaker() as session:
            return list(await session.scalars(select(DialTarget).order_by(DialTarget.id)))

    async def attempts(self) -> list[DialAttempt]:
        async with self.db.sessionmaker() as session:
            return list(await session.scalars(select(DialAttempt).order_by(DialAttempt.id)))

    async def settle(self, done: Callable[[list[DialTarget]], bool], within: float = 15) -> None:
        async with asyncio.timeout(within):
            while not done(await self.targets()):  # noqa: ASYNC110  # polls the database
                await asyncio.sleep(0.05)


async def the_ended_target(db: Database, within: float, poll: float = 0.05) -> DialTarget:
    """The campaign's one target, once it has ended (polled: the dialer has no event for it)."""
    async with asyncio.timeout(within):
        while True:
            async with db.sessionmaker() as session:
                targets = list(await session.scalars(select(DialTarget)))
            if targets and all(t.ended_at is not None for t in targets):
                (target,) = targets
                return target
            await asyncio.sleep(poll)


def check_rules(raw: dict[str, Any]) -> dict[str, Any]:
    return Rules.parse(raw, trunk_channels=30).as_dict()


@asynccontextmanager
async def simulator_on_own_thread(plan: Callable[[str], Answer]) -> AsyncIterator[AmiSimulator]:
    """The AMI simulator on a thread and event loop of its own, as the PBX is a process of
    its own: the time it stamps on an arriving Originate is when it reads it, not when the
    test's busy event loop (dialer, database, polling) gets round to reading it."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="pbx", daemon=True)
    thread.start()

    async def start() -> AmiSimulator:
        sim = AmiSimulator()
        sim.pbx.trunk = OutboundTrunk(plan=plan)
        return await sim.start()

    sim = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(start(), loop))
    try:
        yield sim
    finally:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(sim.stop(), loop))
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


@asynccontextmanager
async def dialer_rig(
    db: Database, plan: Callable[[str], Answer] = lambda n: Answer(), *,
    trunk_channels: int = 30, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    name: str = "dialer-1", sim: AmiSimulator | None = None, run: bool = True,
    ring_seconds: float = 0.2,
) -> AsyncIterator[Rig]:
    own_sim = sim is None
    sim = sim or AmiSimulator()
    if own_sim:
        await sim.start()
    if sim.pbx.trunk is None:
        sim.pbx.trunk = OutboundTrunk(plan=plan)
    trunk = sim.pbx.trunk
    originator: AmiOriginator
    client = AmiClient(sim.url, on_event=lambda e: originator.feed(e), **FAST_AMI)
    originator = AmiOriginator(client, dial_template="PJSIP/{number}@carrier",
                               max_channels=trunk_channels)
    client.start()
    assert await client.wait_up(3)
    campaigns = Campaigns(db, check_rules, clock=clock)
    store = AttemptStore(db, name, retry_policy)
    dialer = Dialer(campaigns, store, originator, tz=SHANGHAI, ring_seconds=ring_seconds,
                    clock=clock,
                    poll_seconds=0.02, action_timeout=2.0)
    task = asyncio.create_task(dialer.run()) if run else None
    try:
        yield Rig(sim, trunk, client, dialer, campaigns, db)
    finally:
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
        await dialer.close()
        await client.close()
        if own_sim:
            await sim.stop()
