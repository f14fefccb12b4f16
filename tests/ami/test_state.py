"""Call, queue and agent state from recorded AMI event streams (tests/ami/fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.ami.codec import AmiMessage
from ivr.ami.state import HotlineState
from ivr.asterisk_names import QUEUES
from ivr.pbxsim.ami_wire import read_recording
from ivr.services.pbx import AgentStatus
from ivr.services.queue_records import CallRecord, LegOutcome, percentile, service_level

FIXTURES = Path(__file__).parent / "fixtures"
T0 = 1754450000.0
SCENARIO = ("members_login", "ring_no_answer_then_answer", "abandon", "pause_then_quick_answer")


def events(*names: str) -> list[AmiMessage]:
    return [m for name in names for m in read_recording(FIXTURES / f"{name}.ami")]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def replayed(*names: str, now: float = T0 + 400) -> tuple[HotlineState, list[CallRecord]]:
    sink: list[CallRecord] = []
    state = HotlineState(
        ring_seconds=5, wrapup_seconds=10, on_call_finished=sink.append, clock=Clock(now)
    )
    for event in events(*names):
        state.feed(event)
    return state, sink


def test_ring_no_answer_moves_to_the_next_agent_and_records_it() -> None:
    state, sink = replayed("members_login", "ring_no_answer_then_answer")
    (record,) = sink
    assert record.uniqueid == "1754450000.101"
    assert record.caller == "13800138000"
    assert record.pickup_seconds == 1.84 and record.picked_up_within(15)
    assert record.hangup_cause == "Normal Clearing"
    (leg,) = record.legs
    assert (leg.queue, leg.position, leg.outcome) == ("repair", 1, LegOutcome.ANSWERED)
    assert leg.agent == "A002" and leg.agent_interface == "PJSIP/8002"
    assert leg.wait_seconds == 24.1
    assert not leg.within(15)  # one agent rang three rings first: the three-ring rule was missed
    assert [(a.member, a.ring_seconds, a.answered) for a in leg.attempts] == [
        ("A001", 15.0, False),
        ("A002", 8.07, True),
    ]
    assert leg.completed_at == T0 + 184.1
    assert state.calls == {}


def test_live_state_while_the_first_agent_rings() -> None:
    stream = events("members_login", "ring_no_answer_then_answer")
    state = HotlineState(clock=Clock(T0 + 45))
    for event in stream:
        state.feed(event)
        if event.event == "DeviceStateChange":
            break  # A001's phone has just started ringing
    agents = {a.name: a for a in state.agent_views()}
    assert agents["A001"].status is AgentStatus.RINGING
    assert agents["A002"].status is AgentStatus.AVAILABLE
    assert agents["A001"].queues == {"repair": 0, "general": 1}
    repair = next(q for q in state.queue_views() if q.name == "repair")
    assert [(w.uniqueid, w.position, w.wait_seconds) for w in repair.waiting] == [
        ("1754450000.101", 1, 5.0)
    ]
    assert (repair.members, repair.available, repair.longest_wait) == (2, 1, 5.0)


def test_agent_on_call_then_wrap_up_then_available() -> None:
    stream = events("members_login", "ring_no_answer_then_answer")
    clock = Clock(T0 + 100)
    state = HotlineState(wrapup_seconds=10, clock=clock)
    for event in stream:
        state.feed(event)
        if event.event == "AgentConnect":
            break
    assert _status(state, "A002") is AgentStatus.ON_CALL
    assert state.queue_views(("repair",))[0].waiting == []
    for later in stream[stream.index(event) + 1 :]:
        state.feed(later)
    clock.now = T0 + 190
    assert _status(state, "A002") is AgentStatus.WRAP_UP
    clock.now = T0 + 194.2
    assert _status(state, "A002") is AgentStatus.AVAILABLE
    assert next(a for a in state.agent_views() if a.name == "A002").calls_taken == 1


def test_abandon_is_recorded_with_its_wait() -> None:
    _, sink = replayed("members_login", "abandon")
    (record,) = sink
    (leg,) = record.legs
    assert leg.outcome is LegOutcome.ABANDONED and leg.abandoned
    assert leg.wait_seconds == 9.0 and leg.agent is None
    assert [(a.member, a.answered) for a in leg.attempts] == [("A003", False)]


def test_pause_shows_with_its_reason_and_is_skipped() -> None:
    state, sink = replayed(*SCENARIO)
    a001 = next(a for a in state.agent_views() if a.name == "A001")
    assert a001.status is AgentStatus.PAUSED and a001.paused_reason == "lunch"
    assert [leg.agent for leg in sink[-1].legs] == ["A002"]
    assert [a.member for a in sink[-1].legs[0].attempts] == ["A002"]


def test_service_level_numbers_for_the_scenario() -> None:
    _, sink = replayed(*SCENARIO)
    report = service_level(sink, threshold=15, queues=QUEUES)
    overall = report.overall
    assert (overall.offered, overall.answered, overall.abandoned) == (3, 2, 1)
    assert overall.answered_within_three_rings == 1
    assert overall.within_three_rings_pct == 33.33
    assert overall.average_wait == 13.033  # (24.1 + 9 + 6) / 3
    assert overall.p90_wait == 24.1
    q = report.queues
    assert list(q) == list(QUEUES)
    assert (q["repair"].offered, q["repair"].answered, q["repair"].within_three_rings_pct) == (
        1,
        1,
        0.0,
    )
    assert (q["billing"].abandoned, q["billing"].average_wait) == (1, 9.0)
    assert (q["general"].answered_within_three_rings, q["general"].within_three_rings_pct) == (
        1,
        100.0,
    )
    assert q["general"].p90_wait == 6.0
    assert (q["complaint"].offered, q["complaint"].within_three_rings_pct) == (0, None)
    assert q["emergency"].average_wait is None
    assert (report.inbound_calls, report.picked_up_within_three_rings) == (3, 3)


def test_service_level_time_range_is_half_open() -> None:
    _, sink = replayed(*SCENARIO)
    report = service_level(sink, threshold=15, since=T0 + 40, until=T0 + 320)
    assert report.overall.offered == 2  # the general call joined at exactly `until`
    assert set(report.queues) == {"repair", "billing"}
    later = service_level(sink, threshold=15, since=T0 + 320)
    assert later.overall.offered == 1 and later.overall.answered_within_three_rings == 1


def test_longer_ring_setting_changes_the_verdict() -> None:
    _, sink = replayed(*SCENARIO)
    assert service_level(sink, threshold=30).overall.answered_within_three_rings == 2


def test_positions_close_up_when_a_caller_ahead_leaves() -> None:
    state = HotlineState(clock=Clock(T0 + 10))
    for uid, pos in (("a", 1), ("b", 2), ("c", 3)):
        state.feed(_join(uid, "general", pos, T0))
    state.feed(
        {
            "Event": "QueueCallerAbandon",
            "Uniqueid": "a",
            "Queue": "general",
            "Position": "1",
            "OriginalPosition": "1",
            "HoldTime": "5",
            "Timestamp": str(T0 + 5),
        }
    )
    state.feed(
        {
            "Event": "QueueCallerLeave",
            "Uniqueid": "a",
            "Queue": "general",
            "Position": "1",
            "Count": "2",
            "Timestamp": str(T0 + 5),
        }
    )
    state.feed(_join("urgent", "general", 1, T0 + 6))  # QUEUE_PRIO puts a caller at the front
    (view,) = state.queue_views()
    assert [(w.uniqueid, w.position) for w in view.waiting] == [("urgent", 1), ("b", 2), ("c", 3)]


def test_hangup_while_waiting_without_abandon_event_still_counts_as_abandoned() -> None:
    sink: list[CallRecord] = []
    state = HotlineState(on_call_finished=sink.append, clock=Clock(T0))
    state.feed(_join("x", "repair", 1, T0))
    state.feed({"Event": "Hangup", "Uniqueid": "x", "Cause": "16", "Timestamp": str(T0 + 3)})
    assert sink[0].legs[0].outcome is LegOutcome.ABANDONED
    assert state.queue_views()[0].waiting == []


def test_agent_complete_after_caller_hangup_finishes_the_record_once() -> None:
    stream = events("ring_no_answer_then_answer")
    sink: list[CallRecord] = []
    state = HotlineState(on_call_finished=sink.append, clock=Clock(T0))
    hangup = next(e for e in stream if e.event == "Hangup")
    complete = next(e for e in stream if e.event == "AgentComplete")
    for event in stream:
        if event is complete:
            continue
        state.feed(event)
        if event is hangup:
            assert sink == []  # the agent is still on the line as far as we know
            state.feed(complete)
    assert len(sink) == 1 and sink[0].legs[0].completed_at == T0 + 184.1


def test_unknown_events_and_missing_headers_are_ignored() -> None:
    state = HotlineState(clock=Clock(T0))
    state.feed({"Event": "VarSet", "Variable": "X"})
    state.feed({"Event": "AgentConnect"})
    state.feed({"Event": "QueueCallerJoin", "Queue": "repair"})
    state.feed({"Response": "Success"})
    assert state.calls == {} and state.queue_views() == []


def test_resync_from_queue_status_lists() -> None:
    state = HotlineState(clock=Clock(T0 + 30))
    state.feed(
        {
            "Event": "QueueMember",
            "Queue": "repair",
            "Name": "A001",
            "Location": "PJSIP/8001",
            "StateInterface": "PJSIP/8001",
            "Penalty": "0",
            "Paused": "0",
            "Status": "1",
        }
    )
    state.feed(
        {
            "Event": "QueueEntry",
            "Queue": "repair",
            "Position": "1",
            "Uniqueid": "u1",
            "Channel": "PJSIP/carrier-1",
            "CallerIDNum": "13800138000",
            "Wait": "12",
        }
    )
    (view,) = state.queue_views()
    assert view.waiting[0].wait_seconds == 12 and view.members == 1
    state.begin_resync()
    assert state.queue_views() == []
    assert state.agent_views()[0].status is AgentStatus.LOGGED_OUT


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), ([3.0], 3.0), ([float(v) for v in range(1, 11)], 9.0), ([1.0, 2.0], 2.0)],
)
def test_percentile_nearest_rank(values: list[float], expected: float | None) -> None:
    assert percentile(values, 90) == expected


def _status(state: HotlineState, name: str) -> AgentStatus:
    return next(a.status for a in state.agent_views() if a.name == name)


def _join(uid: str, queue: str, position: int, at: float) -> dict[str, str]:
    return {
        "Event": "QueueCallerJoin",
        "Uniqueid": uid,
        "Queue": queue,
        "Position": str(position),
        "Count": str(position),
        "CallerIDNum": "1",
        "Channel": f"PJSIP/c-{uid}",
        "Timestamp": str(at),
    }
