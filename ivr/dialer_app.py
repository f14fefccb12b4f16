"""The dialer's composition: the AMI originator (ivr.ami.outbound) and the dialer loop over the
hotline's services. `ivr serve` starts it beside the calls (sharing their AMI link); `ivr dialer`
runs it on its own, with its own AMI link."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from ivr.ami.outbound import AmiOriginator
from ivr.ami.service import AmiService
from ivr.config import Settings
from ivr.db.session import Database
from ivr.dialer.campaign_rules import Rules
from ivr.dialer.retries import retry_policy
from ivr.dialer.runner import Dialer
from ivr.services.campaigns import Campaigns, RulesCheck
from ivr.services.dial_attempts import AttemptStore

log = logging.getLogger(__name__)


def rules_check(settings: Settings) -> RulesCheck:
    """What the campaigns service checks a campaign's rules with: the dialer's own parser."""

    def check(raw: dict[str, Any]) -> dict[str, Any]:
        return Rules.parse(raw, trunk_channels=settings.trunk_channels).as_dict()

    return check


@dataclass
class RunningDialer:
    dialer: Dialer
    task: asyncio.Task[None]

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.wait([self.task])
        await self.dialer.close()


def start_dialer(settings: Settings, db: Database, ami: AmiService) -> RunningDialer:
    name = settings.dialer_name or f"{socket.gethostname()}:{os.getpid()}"
    originator = AmiOriginator(ami.client, dial_template=settings.outbound_dial,
                               max_channels=settings.trunk_channels)
    ami.listeners.append(originator.feed)
    dialer = Dialer(
        Campaigns(db, rules_check(settings)), AttemptStore(db, name, retry_policy), originator,
        tz=ZoneInfo(settings.timezone), ring_seconds=settings.ring_seconds,
    )
    log.info("dialer %s started (trunk %d channels)", name, settings.trunk_channels)
    return RunningDialer(dialer, asyncio.create_task(dialer.run(), name="dialer"))


async def run_dialer(settings: Settings) -> None:
    """`ivr dialer`: the dialer alone, until SIGINT/SIGTERM."""
    db = Database.from_settings(settings)
    await db.check_migrated()
    ami = AmiService.from_settings(settings)
    if ami is None:
        await db.close()
        raise ValueError("IVR_AMI_URL is required to dial")
    ami.start()
    running = start_dialer(settings, db, ami)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await running.close()
        await ami.close()
        await db.close()
