from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ivr.db.enums import CallOutcome
from ivr.db.session import Database
from ivr.services.calls import CallLog, JourneyEvent
from ivr.services.errors import ValidationError

T0 = datetime(2025, 11, 25, 2, 0, tzinfo=UTC)
S = timedelta(seconds=1)

JOURNEY = [
    JourneyEvent(T0 + S, "prompt", {"name": "greeting", "text": "您好"}),
    JourneyEvent(T0 + 3 * S, "keys", {"digits": "1"}),
    JourneyEvent(T0 + 4 * S, "lookup", {"action": "outages", "found": ["F1"]}),
    JourneyEvent(T0 + 9 * S, "transfer", {"queue": "general"}),
]


async def test_a_call_from_start_to_finish(db: Database) -> None:
    log = CallLog(db)
    await log.start("1700.1", "+8613800138000", "zh-CN", "hotline", "abc123", T0)
    await log.answered("1700.1", T0 + S / 2)
    in_progress = await log.get("1700.1")
    assert in_progress is not None and in_progress.outcome is None and in_progress.events == ()
    await log.finish(
        "1700.1",
        outcome="transferred",
        queue="general",
        account="5100012345",
        ended_at=T0 + 10 * S,
        events=JOURNEY,
    )
    record = await log.get("1700.1")
    assert record is not None
    assert record.outcome is CallOutcome.TRANSFERRED and record.queue == "general"
    assert (record.caller, record.account, record.flow_version) == (
        "+8613800138000",
        "5100012345",
        "abc123",
    )
    assert (record.started_at, record.answered_at, record.ended_at) == (T0, T0 + S / 2, T0 + 10 * S)
    assert [e.kind for e in record.events] == ["prompt", "keys", "lookup", "transfer"]
    assert record.events[2].data == {"action": "outages", "found": ["F1"]}


async def test_the_language_the_caller_switched_to_is_kept(db: Database) -> None:
    log = CallLog(db)
    await log.start("1700.9", "+8613800138000", "zh-CN", "hotline", "v1", T0)
    # pressed 9 for English, then handed to a queue: the agent's screen shows English
    await log.handed_over("1700.9", queue="general", account=None, language="en-US")
    during = await log.get("1700.9")
    assert during is not None and during.language == "en-US"
    await log.finish("1700.9", outcome="transferred", queue="general", account=None,
                     ended_at=T0 + 9 * S, events=JOURNEY, language="en-US")
    after = await log.get("1700.9")
    assert after is not None and after.language == "en-US"
    await log.finish("1700.9", outcome="transferred", queue="general", account=None,
                     ended_at=T0 + 9 * S, events=JOURNEY)  # not known: left as it was
    again = await log.get("1700.9")
    assert again is not None and again.language == "en-US"


async def test_finish_twice_replaces_the_journey(db: Database) -> None:
    log = CallLog(db)
    await log.start("1700.2", None, "en-US", "hotline", "v1", T0)
    for _ in range(2):
        await log.finish(
            "1700.2",
            outcome="self_served",
            queue=None,
            account=None,
            ended_at=T0 + 9 * S,
            events=JOURNEY,
        )
    record = await log.get("1700.2")
    assert record is not None and len(record.events) == 4 and record.caller is None


async def test_finish_without_start(db: Database) -> None:
    log = CallLog(db)
    await log.answered("1700.3", T0)  # dropped, not an error
    await log.finish(
        "1700.3",
        outcome=CallOutcome.ERROR,
        queue="general",
        account=None,
        ended_at=T0 + 10 * S,
        events=JOURNEY,
        caller="+8613800138000",
    )
    record = await log.get("1700.3")
    assert record is not None
    assert record.started_at == T0 + S and record.outcome is CallOutcome.ERROR
    assert record.caller == "+8613800138000"
    assert await log.get("nope") is None


async def test_start_twice_keeps_the_first(db: Database) -> None:
    log = CallLog(db)
    await log.start("1700.4", "+8613800138000", "zh-CN", "hotline", "v1", T0)
    await log.start("1700.4", "other", "en-US", "hotline", "v2", T0 + S)
    record = await log.get("1700.4")
    assert record is not None and record.flow_version == "v1"


async def test_unknown_outcome(db: Database) -> None:
    with pytest.raises(ValidationError):
        await CallLog(db).finish(
            "1700.5", outcome="lost", queue=None, account=None, ended_at=T0, events=[]
        )


async def test_the_journey_is_written_as_the_call_goes_and_finished_once(db: Database) -> None:
    log = CallLog(db)
    await log.start("1700.7", "+8613800138000", "zh-CN", "hotline", "abc123", T0)
    await log.append("1700.7", JOURNEY[:3], first_seq=1)
    so_far = await log.get("1700.7")
    assert so_far is not None and [e.kind for e in so_far.events] == ["prompt", "keys", "lookup"]
    await log.finish("1700.7", outcome="transferred", queue="general", account=None,
                     ended_at=T0 + 10 * S, events=JOURNEY, written=3)
    await log.finish("1700.7", outcome="transferred", queue="general", account=None,
                     ended_at=T0 + 10 * S, events=JOURNEY, written=3)  # repeated: no doubles
    record = await log.get("1700.7")
    assert record is not None and [e.kind for e in record.events] == [e.kind for e in JOURNEY]


async def test_a_restart_closes_only_its_own_open_calls_as_interrupted(db: Database) -> None:
    log = CallLog(db)
    await log.start("1.mine", None, "zh-CN", "hotline", "v", T0, instance="host-a 0.0.0.0:4573")
    await log.append("1.mine", JOURNEY[:2], first_seq=1)
    await log.start("2.other", None, "zh-CN", "hotline", "v", T0, instance="host-b 0.0.0.0:4573")
    await log.start("3.old", None, "zh-CN", "hotline", "v", T0)  # recorded before instances
    await log.start("4.recent", None, "zh-CN", "hotline", "v", T0 + 20 * 3600 * S)
    await log.start("5.done", None, "zh-CN", "hotline", "v", T0, instance="host-a 0.0.0.0:4573")
    await log.finish("5.done", outcome="self_served", queue=None, account=None,
                     ended_at=T0 + S, events=[])
    now = T0 + 24 * 3600 * S
    closed = await log.close_interrupted("host-a 0.0.0.0:4573", now, now - 12 * 3600 * S)
    assert sorted(closed) == ["1.mine", "3.old"]
    mine = await log.get("1.mine")
    assert mine is not None and mine.outcome is CallOutcome.INTERRUPTED
    assert mine.ended_at == JOURNEY[1].at  # its last recorded step
    assert [e.kind for e in mine.events] == ["prompt", "keys", "interrupted"]
    for uniqueid in ("2.other", "4.recent"):
        other = await log.get(uniqueid)
        assert other is not None and other.outcome is None
    done = await log.get("5.done")
    assert done is not None and done.outcome is CallOutcome.SELF_SERVED
