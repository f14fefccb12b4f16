"""A running hotline (exactly what `ivr serve` starts) on free ports, and a way to call it.

Calls go over real TCP through the PBX simulator; prompts are rendered by the silent
synthesizer (same files and transcripts as espeak-ng, without the engine's time).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pytest

from ivr.app import Hotline, start_hotline
from ivr.config import Settings
from ivr.db.models import Bill
from ivr.db.session import Database
from ivr.pbxsim.call import simulate_call
from ivr.pbxsim.config import ExecBehaviour, PbxConfig
from ivr.pbxsim.transcript import CallTranscript
from ivr.services.calls import CallLog, CallRecord
from ivr.services.outages import OutageInput, Outages
from ivr.speech.tts import SilentSynthesizer

ROOT = Path(__file__).resolve().parents[1]
CALLER = "+8613800138000"  # the default customer's phone (tests/conftest.py add_customer)
ACCOUNT = "5100012345"


def hotline_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "agi_bind": "127.0.0.1:0",
        "http_bind": "127.0.0.1:0",
        "flows_dir": ROOT / "flows",
        "prompts_dir": ROOT / "prompts",
    } | overrides
    return Settings(**values)


@pytest.fixture
async def hotline(db: Database, database_url: str, tmp_path: Path) -> AsyncIterator[Hotline]:
    settings = hotline_settings(database_url, tmp_path)
    running = await start_hotline(
        settings, synth=SilentSynthesizer(settings.prompt_cache_dir), watch=False
    )
    yield running
    await running.close()


class Dial(Protocol):
    def __call__(
        self,
        *responses: str,
        caller: str | None = CALLER,
        hangup_after: int | None = None,
        queue_status: str = "",
        dial_status: str = "",
    ) -> Awaitable[CallTranscript]: ...


@pytest.fixture
def call(hotline: Hotline) -> Dial:
    """Place a call: `await call("2", "1", "1")`; responses as in `ivr.pbxsim.caller`."""

    async def place(
        *responses: str,
        caller: str | None = CALLER,
        hangup_after: int | None = None,
        queue_status: str = "",
        dial_status: str = "",
    ) -> CallTranscript:
        config = PbxConfig()
        apps = dict(config.applications)
        if queue_status:  # Queue returns to the dialplan (no agent answered) with this status
            apps["queue"] = ExecBehaviour(0, sets={"QUEUESTATUS": queue_status})
        if dial_status:
            apps["dial"] = ExecBehaviour(0, sets={"DIALSTATUS": dial_status})
        config.applications = apps
        return await simulate_call(
            "127.0.0.1",
            hotline.agi_port,
            caller=caller,
            responses=responses,
            hangup_after=hangup_after,
            config=config,
        )

    return place


@pytest.fixture
def journey(db: Database) -> Callable[[CallTranscript], Awaitable[CallRecord]]:
    async def get(transcript: CallTranscript) -> CallRecord:
        record = await CallLog(db).get(transcript.uniqueid)
        assert record is not None, f"call {transcript.uniqueid} was not recorded"
        return record

    return get


async def add_outage(db: Database, **overrides: Any) -> None:
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "id": "F-1",
        "kind": "fault",
        "status": "active",
        "areas": ["城东"],
        "transformers": [],
        "starts_at": now - timedelta(hours=1),
        "restore_eta": now + timedelta(hours=2),
        "cause": "线路故障",
    } | overrides
    await Outages(db).upsert(OutageInput(**values))


async def add_bills(
    db: Database,
    account: str = ACCOUNT,
    rows: Sequence[tuple[str, str, str, str, str | None]] = (
        ("2026-09", "180.5", "98.20", "0", None),
        ("2026-10", "210", "114.30", "114.30", "2026-11-05T10:00:00+08:00"),
    ),
) -> None:
    """(period, kwh, amount_due, amount_paid, paid_at) rows."""
    async with db.sessionmaker() as session, session.begin():
        for period, kwh, due, paid, paid_at in rows:
            year, month = map(int, period.split("-"))
            session.add(
                Bill(
                    account=account,
                    period=period,
                    kwh=Decimal(kwh),
                    amount_due=Decimal(due),
                    due_date=date(year, month, 28) + timedelta(days=10),
                    amount_paid=Decimal(paid),
                    paid_at=datetime.fromisoformat(paid_at) if paid_at else None,
                )
            )
