"""Two real `ivr serve` processes on one PostgreSQL, reached through the dialplan's host loop
(played by the simulator): kill -9 one under load and only the calls inside it are lost (sent
to the fallback path, closed as interrupted by the survivor), new calls all go to the survivor;
an outage posted through one process is heard at once by callers of the other."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ivr.db.enums import CallOutcome
from ivr.db.models import Call
from ivr.db.session import Database
from ivr.pbxsim.caller import Caller, Response
from ivr.pbxsim.dialplan import Outcome, call_hotline
from ivr.services.calls import CallLog
from tests.conftest import CustomerFactory
from tests.faults.spawn import Served
from tests.hotline import CALLER

pytestmark = [
    pytest.mark.faults,
    pytest.mark.parametrize(
        "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True),
]

OUTAGE_HEARD = "非常抱歉，您所在的区域从"  # outage_active in zh-CN


@pytest.fixture
def pair(database_url: str, prompt_cache: Path, tmp_path: Path) -> Iterator[tuple[Served, Served]]:
    """Two processes, each with its own data directory (logs, spool) and FastAGI port."""
    served = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        served.append(Served(tmp_path / name, database_url, prompt_cache,
                             extra_env={"IVR_CLUSTER_SWEEP_SECONDS": "0.5",
                                        # only the NOTIFY can make b forget "no outage here"
                                        "IVR_OUTAGE_CACHE_SECONDS": "120"}))
    yield served[0], served[1]
    for server in served:
        server.stop()


def host(served: Served) -> str:
    return f"127.0.0.1:{served.agi_port}"


async def _open_calls(db: Database, count: int) -> None:
    while True:
        async with db.sessionmaker() as session:
            if await session.scalar(
                    select(func.count()).select_from(Call).where(Call.outcome.is_(None))) == count:
                return
        await asyncio.sleep(0.05)


async def test_kill_9_one_of_two_loses_only_its_own_calls(
    pair: tuple[Served, Served], db: Database
) -> None:
    a, b = pair
    await asyncio.gather(a.start(), b.start())
    hosts = [host(a), host(b)]
    killed = asyncio.Event()
    listening = [asyncio.Event() for _ in range(6)]

    def caller(n: int) -> Caller:
        async def stay() -> Response:  # in the call, listening, until the kill is over
            listening[n].set()
            await killed.wait()
            return Response("hangup")
        return Caller(live=stay)

    # Six callers in the hotline, three in each process (the dialplan's random start, fixed).
    calls = [asyncio.create_task(call_hotline(hosts, first=n % 2, caller_model=caller(n)))
             for n in range(6)]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in listening)), 60)
    # A call's record is written while its greeting plays (seconds on a phone, instant here):
    # the kill comes once all six are recorded, as it would for callers already at a menu.
    await asyncio.wait_for(_open_calls(db, 6), 30)
    a.kill()
    killed.set()
    before = await asyncio.wait_for(asyncio.gather(*calls), 30)
    # New calls, half of them starting at the dead process: every one reaches the survivor.
    after = await asyncio.wait_for(asyncio.gather(*(
        call_hotline(hosts, first=n % 2) for n in range(6))), 60)

    in_a = [c for c in before if c.served_by == host(a)]
    in_b = [c for c in before if c.served_by == host(b)]
    assert len(in_a) == len(in_b) == 3
    for call in in_a:  # lost with their process: apologised to and put through to a person
        assert call.outcome is Outcome.LOST
        assert call.fallback[-1] == "Queue(general-enquiry)"
    assert all(c.outcome is Outcome.GONE and not c.fallback for c in in_b)  # untouched
    assert all(c.served_by == host(b) and c.finished for c in after)
    assert [len(c.tries) for c in after] == [2, 1] * 3  # a refused connect, then the survivor

    # The survivor closes what the dead process left open, and nothing else.
    log = CallLog(db)
    for _ in range(100):
        records = [await log.get(c.uniqueid) for c in in_a]
        if all(r is not None and r.outcome is not None for r in records):
            break
        await asyncio.sleep(0.1)
    for record in records:
        assert record is not None and record.outcome == CallOutcome.INTERRUPTED
        assert record.events[-1].data["closed"].endswith("process gone")
    for call in in_b + after:
        record = await log.get(call.uniqueid)
        assert record is not None and record.outcome != CallOutcome.INTERRUPTED
    assert "is gone: closed its 3 open calls as interrupted" in b.log_path.read_text()


def _post(port: int, path: str, token: str, body: dict[str, object]) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        status: int = response.status
        return status


async def test_an_outage_posted_through_one_process_is_heard_at_once_through_the_other(
    pair: tuple[Served, Served], add_customer: CustomerFactory
) -> None:
    a, b = pair
    await add_customer()
    await asyncio.gather(a.start(), b.start())
    token = a.run("token", "create", "--role", "dispatch", "--name", "dispatch-1")
    assert token.returncode == 0, token.stderr
    before = await call_hotline([host(b)], caller=CALLER)  # b caches "no outage here"
    assert before.transcript is not None
    assert not any(p.startswith(OUTAGE_HEARD) for p in before.transcript.prompts)
    status = await asyncio.to_thread(_post, a.http_port, "/api/outages", token.stdout.strip(), {
        "id": "F-200", "kind": "fault", "status": "active", "areas": ["城东"],
        "transformers": [], "starts_at": "2026-12-01T08:00:00+08:00",
        "restore_eta": "2036-12-01T12:30:00+08:00", "cause": "10kV线路故障"})
    assert status == 201
    # The NOTIFY reaches b a moment after the commit (on a busy machine, after a call may have
    # started): the next calls hear it within a second, far inside b's two-minute cache.
    posted = time.monotonic()
    while True:
        after = await call_hotline([host(b)], caller=CALLER)
        assert after.transcript is not None
        if any(p.startswith(OUTAGE_HEARD) for p in after.transcript.prompts):
            break
        assert time.monotonic() - posted < 1.0, "b still answers from its cache"
