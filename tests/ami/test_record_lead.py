"""One process writes the AMI call records: the others keep the last minutes' records and,
taking the lock over, write those first; a lost lock means standing by again."""

from __future__ import annotations

import asyncio

from ivr.ami.record_lead import RecordLead
from ivr.ami.recorder import RecordWriter
from ivr.services.queue_records import CallRecord


class Stored:
    def __init__(self) -> None:
        self.ids: list[str] = []

    async def store(self, record: CallRecord) -> None:
        self.ids.append(record.uniqueid)


class Lock:
    """Held by another process until `free` is set; `lost` drops it from under its holder."""

    def __init__(self) -> None:
        self.free = False
        self.held = False

    async def try_acquire(self) -> bool:
        self.held = self.held or self.free
        return self.held

    async def alive(self) -> bool:
        return self.held

    async def release(self) -> None:
        self.held = False


def record(uid: str) -> CallRecord:
    return CallRecord(uid, "PJSIP/carrier-1", "13800000001", 0.0)


async def until(condition: object) -> None:
    for _ in range(250):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


async def test_a_standby_keeps_recent_records_and_writes_them_when_it_takes_over() -> None:
    stored, lock, now = Stored(), Lock(), [1000.0]
    writer = RecordWriter(stored)
    writer.start()
    lead = RecordLead(writer, lock, every=0.01, keep_seconds=300, clock=lambda: now[0])
    lead.start()
    lead.submit(record("1.old"))
    now[0] += 301  # older than the keeping window by the time the next one comes
    lead.submit(record("2.kept"))
    await asyncio.sleep(0.05)
    assert stored.ids == [] and not lead.leading  # the other process writes them meanwhile
    lock.free = True  # ... until it dies
    await until(lambda: lead.leading)
    lead.submit(record("3.new"))
    await until(lambda: stored.ids == ["2.kept", "3.new"])
    lock.held = lock.free = False  # the database restarted; another process took it
    await until(lambda: not lead.leading)
    await lead.close()
    await writer.close()


async def test_without_a_lock_the_only_process_writes() -> None:
    stored = Stored()
    writer = RecordWriter(stored)
    writer.start()
    lead = RecordLead(writer, None)
    lead.submit(record("1.only"))
    await writer.idle()
    assert stored.ids == ["1.only"]
    await lead.close()
    await writer.close()
