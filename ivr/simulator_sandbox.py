"""The sandbox the flows page's simulator calls run on: a database of its own, seeded with the
demo data, behind the same services and the same flows as real calls.

A simulated call verifies callers, reads bills and may open work orders like a real one; all of
it lands here, never in the hotline's database, so the reports and the customers' work orders
stay untouched. The sandbox is built on the first simulation and started afresh with each
`ivr serve`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ivr.config import Settings
from ivr.db.migrate import upgrade_database_async
from ivr.db.session import Database
from ivr.flow.context import CallContext
from ivr.flow.engine import CallRunner
from ivr.flow.registry import FlowRegistry
from ivr.importer.demo import load_demo
from ivr.services.hotline_services import HotlineServices
from ivr.speech.asr import Recognizer
from ivr.speech.tts import Synthesizer

log = logging.getLogger(__name__)


class SimulatorSandbox:
    def __init__(self, settings: Settings, registry: FlowRegistry, synth: Synthesizer) -> None:
        self._settings = settings
        self._registry = registry
        self._synth = synth
        self.root = settings.data_dir / "flow-simulator"
        self._db: Database | None = None
        self._services: HotlineServices | None = None
        self._lock = asyncio.Lock()

    @property
    def database(self) -> Database | None:
        """The sandbox's own database (None until the first simulation builds it)."""
        return self._db

    async def runner(self, recognizer: Recognizer,
                     observe: Callable[[CallContext], None]) -> CallRunner:
        """A runner for one simulated call, over the sandbox's services."""
        services = await self._ready()
        s = self._settings
        return CallRunner(
            flows=self._registry.current, services=services, synth=self._synth,
            default_language=s.default_language, outbound_dial=s.outbound_dial,
            ring_seconds=s.ring_seconds, timezone=s.timezone, recognizer=recognizer,
            recordings_dir=self.root / "recordings",
            voice_messages_dir=self.root / "voice-messages",
            instance="flow simulator", observe=observe,
        )

    async def _ready(self) -> HotlineServices:
        async with self._lock:
            if self._services is None:
                self._services = await self._build()
            return self._services

    async def _build(self) -> HotlineServices:
        s = self._settings
        path = self.root / "sandbox.db"
        await asyncio.to_thread(_fresh, path)
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade_database_async(url)
        self._db = db = Database.from_url(url)
        if s.demo_dir.is_dir():
            await load_demo(db, s.demo_dir, datetime.now(UTC))
        else:
            log.warning("flow simulator: no demo data at %s (IVR_DEMO_DIR): no customers to "
                        "verify against", s.demo_dir)
        return HotlineServices.build(
            db, timezone=s.timezone, ring_seconds=s.ring_seconds,
            repair_arrival_hours=s.repair_arrival_hours,
            verify_max_failures=s.verify_max_failures,
            verify_lockout_minutes=s.verify_lockout_minutes,
            voice_messages_dir=self.root / "voice-messages",
        )

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None
            self._services = None


def _fresh(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
