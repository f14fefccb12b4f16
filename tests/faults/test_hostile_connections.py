"""A flood of idle half-headers past the open-file limit: calls carry on, the log stays small."""

from __future__ import annotations

import asyncio

import pytest

from ivr.pbxsim.call import simulate_call
from tests.faults.spawn import SpawnServe

pytestmark = pytest.mark.faults

HALF_HEADER = b"agi_network: yes\nagi_network_script: hotline\nagi_request: agi://x/hot"


async def test_a_half_header_flood_over_the_file_limit_does_not_take_calls_down(
    spawn_serve: SpawnServe, database_url: str
) -> None:
    if database_url.startswith("postgresql"):
        pytest.skip("the flood is a FastAGI matter: once, on SQLite, keeps the suite short")
    served = spawn_serve(open_files=256, extra_env={"IVR_AGI_HEADER_TIMEOUT": "20"})
    await served.start()
    port = served.agi_port
    in_progress = asyncio.create_task(
        simulate_call("127.0.0.1", port, responses=["", "1"], hangup_after=12))
    await asyncio.sleep(0.3)
    flood = []
    for _ in range(400):  # well past the child's 256 open files, as 1,100 were past 1,024
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            continue
        writer.write(HALF_HEADER)
        flood.append(writer)
    await asyncio.sleep(0.5)
    during = await asyncio.wait_for(
        asyncio.gather(*(simulate_call("127.0.0.1", port, responses=["1"], hangup_after=6)
                         for _ in range(5))), 60)
    first = await asyncio.wait_for(in_progress, 60)
    for writer in flood:
        writer.close()
    assert first.answered, "the call in progress was cut by the flood"
    assert all(t.answered for t in during), "a new call was refused during the flood"
    log = served.log_path.read_text(errors="replace")
    assert "open-file limit: 256" in log
    assert log.count("rejected connection") + log.count("cannot accept") <= 5
    assert served.log_path.stat().st_size < 64 * 1024
    served.stop()
