"""The in-memory channel against the real thing: the same calls placed through the PBX
simulator over FastAGI (`AgiChannel`, real TCP) and through `MemoryChannel` must leave the same
journey, outcome and AGI commands. Node tests rely on the fake; these keep it honest.

Each side has its own database with the same customer and outage, so work-order numbers (a
per-day sequence) come out the same.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ivr.agi.codec import split_command
from ivr.db.models import Customer
from ivr.db.session import Database
from ivr.pbxsim.memory_channel import MemoryChannel, queue_returns
from ivr.pbxsim.transcript import CallTranscript, KeysPressed
from ivr.services.calls import CallLog, CallRecord
from ivr.services.hotline_services import HotlineServices
from tests.conftest import CustomerFactory
from tests.flow.nodes.factory import RING_SECONDS, TIMEZONE, make_runner
from tests.hotline import CALLER, Dial, add_outage

NOW = datetime.now(UTC).replace(second=0, microsecond=0)  # the same outage times on both sides
VERBS = ("ANSWER", "STREAM FILE", "GET DATA", "WAIT FOR DIGIT", "RECORD FILE", "SET VARIABLE",
         "GET VARIABLE", "EXEC", "VERBOSE", "HANGUP", "NOOP")


@dataclass(frozen=True)
class Scenario:
    responses: Sequence[str]
    caller: str | None = CALLER
    hangup_after: int | None = None
    queue_status: str = ""
    outcome: str = "self_served"  # what the scenario is about: checked on the real side
    reaches: tuple[str, ...] = ()  # journey events it must get to


SCENARIOS = {
    # Unknown caller, three wrong keys: the general queue, where an agent takes the call.
    "invalid_keys_to_general": Scenario(("7", "", "*"), caller=None, outcome="transferred",
                                        reaches=("menu_failed", "transfer")),
    # Known caller in an outage: announced, fault reported on the address on file, work order
    # linked to the outage and read back, silence at the last menu, goodbye.
    "repair_linked_to_outage": Scenario(("2", "1", "1", ""), reaches=("ticket", "menu_failed")),
    # The same call, the caller hanging up once told the report joins the known outage, just
    # before the work-order number is read back (the 7th command).
    "repair_hang_up_midway": Scenario(("2", "1", "1", ""), hangup_after=7,
                                      outcome="caller_hung_up", reaches=("ticket", "hangup")),
    # A person asked for, nobody answers in the queue: a callback order, and goodbye.
    "queue_unanswered_to_callback": Scenario(("0",), caller=None, queue_status="TIMEOUT",
                                             reaches=("queue_result", "ticket")),
}


async def _seed(db: Database, add: Any) -> None:
    await add()
    await add_outage(db, starts_at=NOW - timedelta(hours=1), restore_eta=NOW + timedelta(hours=2))


@pytest.fixture
async def fake_side(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Database]:
    """A second database for the in-memory calls."""
    path = tmp_path / "memory-side.db"
    shutil.copyfile(sqlite_template, path)
    database = Database.from_url(f"sqlite+aiosqlite:///{path}")
    yield database
    await database.close()


def _events(record: CallRecord) -> list[tuple[str, dict[str, Any]]]:
    return [(e.kind, dict(e.data)) for e in record.events]


def _verbs(transcript: CallTranscript) -> list[str]:
    verbs = []
    for exchange in transcript.exchanges:
        line = " ".join(split_command(exchange.command)).upper()
        verbs.append(next(v for v in VERBS if line.startswith(v)))
    return verbs


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_same_call_same_journey(
    name: str,
    call: Dial,
    db: Database,
    add_customer: CustomerFactory,
    fake_side: Database,
) -> None:
    scenario = SCENARIOS[name]
    await _seed(db, add_customer)

    async def add_fake_customer() -> None:
        async with fake_side.sessionmaker() as session, session.begin():
            session.add(Customer(
                account="5100012345", name="张伟", phone=CALLER, address="江宁市城东建设路12号",
                area="城东", transformer="城东-1号变", customer_class="residential",
                key_customer=False, manager_phone=None, language="zh-CN"))

    await _seed(fake_side, add_fake_customer)

    transcript = await call(*scenario.responses, caller=scenario.caller,
                            hangup_after=scenario.hangup_after,
                            queue_status=scenario.queue_status)
    real = await CallLog(db).get(transcript.uniqueid)

    apps = {"queue": queue_returns(scenario.queue_status)} if scenario.queue_status else {}
    channel = MemoryChannel(scenario.responses, caller=scenario.caller,
                            hangup_after=scenario.hangup_after, applications=apps)
    runner = make_runner(
        HotlineServices.build(fake_side, timezone=TIMEZONE, ring_seconds=RING_SECONDS))
    await runner.handle(channel, "hotline")
    fake = await CallLog(fake_side).get(channel.uniqueid)

    assert real is not None and fake is not None
    assert real.outcome == scenario.outcome, transcript.render()
    assert set(scenario.reaches) <= {kind for kind, _ in _events(real)}
    assert (fake.outcome, fake.queue, fake.account) == (real.outcome, real.queue, real.account)
    assert _events(fake) == _events(real)
    assert channel.verbs() == _verbs(transcript)
    assert channel.keys_pressed == [
        e.digits for e in transcript.events if isinstance(e, KeysPressed)]
