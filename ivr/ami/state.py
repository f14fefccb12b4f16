"""Live call, queue and agent state, fed one AMI event at a time. No I/O.

`HotlineState.feed(event)` takes any mapping of AMI headers (an `AmiMessage` from the connection,
a plain dict from a fixture). Events it does not know are ignored. When an inbound call is over,
its `CallRecord` goes to the `on_call_finished` sink (the database writer) and into a
bounded list of recent records.

Queue names in records and views are the hotline's (`general`, not Asterisk's `general-enquiry`).
Event and header names follow Asterisk 20/22 (apps/app_queue.c, main/manager_channels.c,
main/devicestate.c). Points that matter:
- `QueueCallerLeave` comes *before* `AgentConnect` when an agent answers; a leg is only known to
  be unanswered once the call ends or joins another queue.
- `AgentRingNoAnswer`'s `RingTime` is in milliseconds, `AgentConnect`'s in seconds; we use event
  timestamps (manager.conf `timestampevents = yes`) and fall back to the local clock.
- `AgentComplete` can arrive after the caller's `Hangup`; the record waits for it.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from ivr.asterisk_names import INBOUND_CONTEXT, TEST_CONTEXT, hotline_queue
from ivr.services.pbx import (
    AgentStatus,
    AgentView,
    PbxEvent,
    PbxListener,
    QueueView,
    WaitingCaller,
)
from ivr.services.queue_records import CallRecord, QueueLeg, RingAttempt

log = logging.getLogger(__name__)

Event = Mapping[str, str]

# app_queue's numeric device states (QueueMemberStatus `Status`), as DeviceStateChange names them.
DEVICE_STATES = {
    "0": "UNKNOWN",
    "1": "NOT_INUSE",
    "2": "INUSE",
    "3": "BUSY",
    "4": "INVALID",
    "5": "UNAVAILABLE",
    "6": "RINGING",
    "7": "RINGINUSE",
    "8": "ONHOLD",
}
_DEVICE_BUSY = {"INUSE", "BUSY", "RINGINUSE", "ONHOLD"}
_DEVICE_DOWN = {"UNAVAILABLE", "INVALID"}


@dataclass
class AgentState:
    """One queue member, keyed by its interface (`PJSIP/8001`); `name` is its MemberName."""

    interface: str
    name: str = ""
    state_interface: str = ""
    queues: dict[str, int] = field(default_factory=dict)  # queue -> penalty
    paused: bool = False
    paused_reason: str = ""
    device_state: str = "UNKNOWN"
    ringing_for: str | None = None  # caller uniqueid
    on_call_with: str | None = None
    wrapup_until: float | None = None
    calls_taken: int = 0

    def status(self, now: float) -> AgentStatus:
        if not self.queues:
            return AgentStatus.LOGGED_OUT
        if self.on_call_with is not None or self.device_state in _DEVICE_BUSY:
            return AgentStatus.ON_CALL
        if self.ringing_for is not None or self.device_state == "RINGING":
            return AgentStatus.RINGING
        if self.device_state in _DEVICE_DOWN:
            return AgentStatus.UNAVAILABLE
        if self.wrapup_until is not None and now < self.wrapup_until:
            return AgentStatus.WRAP_UP
        if self.paused:
            return AgentStatus.PAUSED
        return AgentStatus.AVAILABLE


TALK_SAMPLES = 20  # answered calls per queue the estimated wait is averaged over


@dataclass
class _Call:
    record: CallRecord
    hung_up: bool = False
    born: int = 0  # HotlineState.fed when the call was first seen


class HotlineState:
    """The IVR's picture of Asterisk, built from the AMI event stream."""

    def __init__(
        self,
        *,
        ring_seconds: float = 5.0,
        wrapup_seconds: float = 10.0,
        inbound_contexts: frozenset[str] = frozenset({INBOUND_CONTEXT, TEST_CONTEXT}),
        on_call_finished: Callable[[CallRecord], None] | None = None,
        keep_finished: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.threshold = 3 * ring_seconds
        self.wrapup_seconds = wrapup_seconds
        self.inbound_contexts = inbound_contexts
        self.on_call_finished = on_call_finished
        self.clock = clock
        self.calls: dict[str, _Call] = {}
        self.finished: deque[CallRecord] = deque(maxlen=keep_finished)
        self.agents: dict[str, AgentState] = {}
        self.queues: dict[str, list[str]] = {}  # queue -> caller uniqueids in position order
        # queue -> its last answered calls' talk times, for the callers' estimated wait
        self.talk: dict[str, deque[float]] = {}
        self.last_event_at: float | None = None
        self.fed = 0  # events applied so far: orders a listing against the stream
        self.listeners: list[PbxListener] = []
        self._handlers: dict[str, Callable[[Event, float], None]] = {
            "newchannel": self._newchannel,
            "newstate": self._newstate,
            "hangup": self._hangup,
            "queuecallerjoin": self._caller_join,
            "queuecallerleave": self._caller_leave,
            "queuecallerabandon": self._caller_abandon,
            "queueentry": self._queue_entry,
            "agentcalled": self._agent_called,
            "agentringnoanswer": self._agent_ring_no_answer,
            "agentdump": self._agent_ring_no_answer,
            "agentconnect": self._agent_connect,
            "agentcomplete": self._agent_complete,
            "queuemember": self._member_status,
            "queuememberstatus": self._member_status,
            "queuememberadded": self._member_status,
            "queuememberpause": self._member_status,
            "queuememberpenalty": self._member_status,
            "queuememberremoved": self._member_removed,
            "devicestatechange": self._device_state,
        }

    # -- input ---------------------------------------------------------------------------------

    def feed(self, event: Event) -> None:
        """Apply one AMI event. Unknown events and events missing what we need are ignored."""
        name = event.get("Event") or event.get("event") or ""
        handler = self._handlers.get(name.lower())
        if handler is None:
            return
        now = self._timestamp(event)
        self.last_event_at = now
        self.fed += 1
        headers = _Lower(event)
        if "queue" in headers:  # records and views speak the hotline's queue names
            headers.data["queue"] = hotline_queue(headers.data["queue"])
        handler(headers, now)
        self._tell(name.lower(), headers)

    def subscribe(self, listener: PbxListener) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener) if listener in self.listeners else None

    def _tell(self, kind: str, ev: Mapping[str, str]) -> None:
        if not self.listeners:
            return
        event = PbxEvent(
            kind=kind,
            uniqueid=ev.get("uniqueid", ""),
            queue=ev.get("queue", ""),
            agent=ev.get("membername", ""),
            interface=ev.get("interface", ""),
            caller=_caller_number(ev),
        )
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:  # a page's bug must not stop the AMI state from following
                log.exception("PBX event listener failed")

    def reconcile(self, channels: Iterable[Event], asked_at: int | None = None) -> list[str]:
        """After a reconnect, with `CoreShowChannels`' list: calls we follow that Asterisk no
        longer has ended while the link was down, and are finished now (their end time is when
        we learnt it; agents still ringing for them or talking to them are freed); calls that
        began meanwhile in the inbound context are taken up (waiting ones come from
        `QueueStatus`). `asked_at` is `fed` when the list was asked for: a call first seen
        after that (its events overtook the reply) is not in the list yet and is kept.
        Returns the unique ids of the calls closed."""
        now = self.clock()
        asked_at = self.fed if asked_at is None else asked_at
        live: dict[str, _Lower] = {}
        for channel in channels:
            headers = _Lower(channel)
            if headers.get("uniqueid"):
                live[headers["uniqueid"]] = headers
        gone = [uid for uid, call in self.calls.items()
                if uid not in live and call.born < asked_at]
        for uid in gone:
            call = self.calls[uid]
            for leg in call.record.legs:
                if leg.connected_at is not None and leg.completed_at is None:
                    leg.completed_at = now
            self._hangup(_Lower({"Uniqueid": uid, "Cause-txt": ENDED_UNSEEN}), now)
            self._finish(uid)  # no AgentComplete is coming for it either
            self._tell("hangup", {"uniqueid": uid})
        for agent in self.agents.values():
            if agent.ringing_for is not None and agent.ringing_for not in live:
                agent.ringing_for = None
            if agent.on_call_with is not None and agent.on_call_with not in live:
                agent.on_call_with = None
        for uid, headers in live.items():
            if uid not in self.calls:
                seconds = _duration(headers.get("duration", ""))
                self._newchannel(headers, now - seconds)
        return gone

    def begin_resync(self) -> None:
        """Forget live queue and membership state before replaying `QueueStatus` after a
        reconnect; calls in progress keep their records."""
        self.queues.clear()
        for agent in self.agents.values():
            agent.queues.clear()

    # -- views ---------------------------------------------------------------------------------

    def queue_views(self, names: tuple[str, ...] = ()) -> list[QueueView]:
        now = self.clock()
        views = []
        for name in dict.fromkeys((*names, *sorted(self.queues))):
            waiting = []
            for position, uid in enumerate(self.queues.get(name, []), start=1):
                call = self.calls.get(uid)
                leg = self._open_leg(uid, name)
                joined = leg.joined_at if leg else now
                caller = call.record.caller if call else ""
                waiting.append(WaitingCaller(uid, caller, position, round(now - joined, 3)))
            members = [a for a in self.agents.values() if name in a.queues]
            talk = self.talk.get(name)
            views.append(
                QueueView(
                    name=name,
                    waiting=waiting,
                    members=len(members),
                    available=sum(1 for a in members if a.status(now) is AgentStatus.AVAILABLE),
                    longest_wait=max((w.wait_seconds for w in waiting), default=None),
                    talk_seconds=sum(talk) / len(talk) if talk else None,
                    paused=sum(1 for a in members if a.paused),
                )
            )
        return views

    def agent_views(self) -> list[AgentView]:
        now = self.clock()
        return [
            AgentView(
                interface=a.interface,
                name=a.name,
                status=a.status(now),
                paused=a.paused,
                paused_reason=a.paused_reason,
                queues=dict(a.queues),
                calls_taken=a.calls_taken,
            )
            for a in sorted(self.agents.values(), key=lambda a: a.interface)
        ]

    # -- channels ------------------------------------------------------------------------------

    def _newchannel(self, ev: Event, now: float) -> None:
        uid = ev.get("uniqueid", "")
        if not uid or ev.get("context", "") not in self.inbound_contexts:
            return
        channel = ev.get("channel", "")
        if channel.startswith("Local/") and channel.endswith(";1"):
            return  # the calling half of a test loopback; its ;2 half is the hotline call
        record = CallRecord(
            uniqueid=uid,
            channel=ev.get("channel", ""),
            caller=_caller_number(ev),
            started_at=now,
        )
        self.calls[uid] = _Call(record, born=self.fed)
        if ev.get("channelstatedesc") == "Up":
            record.answered_at = now

    def _newstate(self, ev: Event, now: float) -> None:
        call = self.calls.get(ev.get("uniqueid", ""))
        if call and not call.record.caller:  # set by the dialplan after the channel began
            call.record.caller = _caller_number(ev)
        if call and call.record.answered_at is None and ev.get("channelstatedesc") == "Up":
            call.record.answered_at = now

    def _hangup(self, ev: Event, now: float) -> None:
        uid = ev.get("uniqueid", "")
        call = self.calls.get(uid)
        if call is None:
            return
        call.hung_up = True
        call.record.ended_at = now
        call.record.hangup_cause = ev.get("cause-txt", "") or ev.get("cause", "")
        for name in list(self.queues):
            self._remove_waiting(name, uid)
        for leg in call.record.legs:
            if leg.left_at is None and leg.connected_at is None:
                leg.left_at = now
                leg.abandoned = True  # app_queue sends QueueCallerAbandon; this covers a gap
            self._stop_ringing(uid, leg, now)
        if not any(leg.connected_at and leg.completed_at is None for leg in call.record.legs):
            self._finish(uid)

    # -- callers in queues ---------------------------------------------------------------------

    def _caller_join(self, ev: Event, now: float) -> None:
        uid, queue = ev.get("uniqueid", ""), ev.get("queue", "")
        if not uid or not queue:
            return
        call = self.calls.get(uid)
        if call is None:  # connected mid-call, or a call we do not track from its start
            record = CallRecord(uid, ev.get("channel", ""), ev.get("calleridnum", ""), now)
            call = self.calls[uid] = _Call(record, born=self.fed)
        for leg in call.record.legs:  # an earlier queue the dialplan left without an answer
            if leg.left_at is None and leg.connected_at is None:
                leg.left_at = now
        position = _int(ev.get("position"), 0)
        call.record.legs.append(QueueLeg(queue=queue, joined_at=now, position=position))
        waiting = self.queues.setdefault(queue, [])
        if uid in waiting:
            waiting.remove(uid)
        index = position - 1 if 0 < position <= len(waiting) + 1 else len(waiting)
        waiting.insert(index, uid)

    def _caller_leave(self, ev: Event, now: float) -> None:
        uid, queue = ev.get("uniqueid", ""), ev.get("queue", "")
        self._remove_waiting(queue, uid)
        leg = self._open_leg(uid, queue)
        if leg and leg.left_at is None:
            leg.left_at = now

    def _caller_abandon(self, ev: Event, now: float) -> None:
        uid, queue = ev.get("uniqueid", ""), ev.get("queue", "")
        self._remove_waiting(queue, uid)
        leg = self._last_leg(uid, queue)
        if leg and leg.connected_at is None:
            leg.abandoned = True
            leg.left_at = leg.left_at or now

    def _queue_entry(self, ev: Event, now: float) -> None:
        """A waiting caller listed by QueueStatus (after a reconnect)."""
        uid, queue = ev.get("uniqueid", ""), ev.get("queue", "")
        if not uid or not queue:
            return
        if self._open_leg(uid, queue) is None:
            joined = now - _int(ev.get("wait"), 0)
            record = CallRecord(uid, ev.get("channel", ""), ev.get("calleridnum", ""), joined)
            call = self.calls.setdefault(uid, _Call(record, born=self.fed))
            leg = QueueLeg(queue=queue, joined_at=joined, position=_int(ev.get("position"), 0))
            call.record.legs.append(leg)
        waiting = self.queues.setdefault(queue, [])
        if uid not in waiting:
            waiting.append(uid)

    # -- agents and callers --------------------------------------------------------------------

    def _agent_called(self, ev: Event, now: float) -> None:
        uid, queue, interface = ev.get("uniqueid", ""), ev.get("queue", ""), ev.get("interface", "")
        agent = self._agent(interface, ev.get("membername", ""))
        agent.ringing_for = uid
        leg = self._open_leg(uid, queue)
        if leg:
            leg.attempts.append(RingAttempt(interface, agent.name, now))

    def _agent_ring_no_answer(self, ev: Event, now: float) -> None:
        uid, interface = ev.get("uniqueid", ""), ev.get("interface", "")
        agent = self._agent(interface, ev.get("membername", ""))
        if agent.ringing_for == uid:
            agent.ringing_for = None
        leg = self._last_leg(uid, ev.get("queue", ""))
        if leg:
            for attempt in leg.attempts:
                if attempt.interface == interface and attempt.ended_at is None:
                    attempt.ended_at = now

    def _agent_connect(self, ev: Event, now: float) -> None:
        uid, interface = ev.get("uniqueid", ""), ev.get("interface", "")
        agent = self._agent(interface, ev.get("membername", ""))
        agent.ringing_for = None
        agent.on_call_with = uid
        agent.wrapup_until = None
        leg = self._last_leg(uid, ev.get("queue", ""))
        if leg is None:
            return
        leg.connected_at = now
        leg.left_at = leg.left_at or now
        leg.agent, leg.agent_interface = agent.name, interface
        for attempt in leg.attempts:
            if attempt.ended_at is None:
                attempt.ended_at = now
                attempt.answered = attempt.interface == interface

    def _agent_complete(self, ev: Event, now: float) -> None:
        uid, interface = ev.get("uniqueid", ""), ev.get("interface", "")
        agent = self._agent(interface, ev.get("membername", ""))
        if agent.on_call_with == uid:
            agent.on_call_with = None
        agent.calls_taken += 1
        agent.wrapup_until = now + self.wrapup_seconds
        leg = self._last_leg(uid, ev.get("queue", ""))
        if leg and leg.completed_at is None:
            leg.completed_at = now
        talk = _int(ev.get("talktime"), -1)
        if talk < 0 and leg is not None and leg.connected_at is not None:
            talk = round(now - leg.connected_at)
        if talk >= 0 and ev.get("queue"):
            self.talk.setdefault(ev["queue"], deque(maxlen=TALK_SAMPLES)).append(float(talk))
        call = self.calls.get(uid)
        if call and call.hung_up:
            self._finish(uid)

    def _member_status(self, ev: Event, now: float) -> None:
        """QueueMember(Added|Status|Pause|Penalty), and QueueMember from a QueueStatus list."""
        interface = ev.get("interface", "") or ev.get("location", "")
        queue = ev.get("queue", "")
        if not interface or not queue:
            return
        agent = self._agent(interface, ev.get("membername", "") or ev.get("name", ""))
        agent.state_interface = ev.get("stateinterface", agent.state_interface)
        agent.queues[queue] = _int(ev.get("penalty"), agent.queues.get(queue, 0))
        if "paused" in ev:
            agent.paused = ev["paused"] == "1"
            agent.paused_reason = ev.get("pausedreason", "") if agent.paused else ""
        if "status" in ev:
            agent.device_state = DEVICE_STATES.get(ev["status"], agent.device_state)
        if "callstaken" in ev:
            agent.calls_taken = max(agent.calls_taken, _int(ev["callstaken"], 0))

    def _member_removed(self, ev: Event, now: float) -> None:
        agent = self.agents.get(ev.get("interface", ""))
        if agent:
            agent.queues.pop(ev.get("queue", ""), None)

    def _device_state(self, ev: Event, now: float) -> None:
        device, state = ev.get("device", ""), ev.get("state", "")
        for agent in self.agents.values():
            if device in (agent.state_interface or agent.interface, agent.interface):
                agent.device_state = state or agent.device_state

    # -- helpers -------------------------------------------------------------------------------

    def _agent(self, interface: str, name: str) -> AgentState:
        agent = self.agents.get(interface)
        if agent is None:
            agent = self.agents[interface] = AgentState(interface=interface, name=name)
        elif name:
            agent.name = name
        return agent

    def _last_leg(self, uid: str, queue: str) -> QueueLeg | None:
        call = self.calls.get(uid)
        if call is None:
            return None
        for leg in reversed(call.record.legs):
            if not queue or leg.queue == queue:
                return leg
        return None

    def _open_leg(self, uid: str, queue: str) -> QueueLeg | None:
        leg = self._last_leg(uid, queue)
        return leg if leg and leg.left_at is None else None

    def _remove_waiting(self, queue: str, uid: str) -> None:
        waiting = self.queues.get(queue)
        if waiting and uid in waiting:
            waiting.remove(uid)

    def _stop_ringing(self, uid: str, leg: QueueLeg, now: float) -> None:
        for attempt in leg.attempts:
            if attempt.ended_at is None:
                attempt.ended_at = now
        for agent in self.agents.values():
            if agent.ringing_for == uid:
                agent.ringing_for = None

    def _finish(self, uid: str) -> None:
        call = self.calls.pop(uid, None)
        if call is None:
            return
        self.finished.append(call.record)
        if self.on_call_finished is not None:
            self.on_call_finished(call.record)

    def _timestamp(self, event: Event) -> float:
        raw = event.get("Timestamp") or event.get("timestamp")
        if raw:
            try:
                return float(raw)
            except ValueError:
                pass
        return self.clock()


class _Lower(Mapping[str, str]):
    """Header lookup by lower-case name, whatever case the source mapping used."""

    __slots__ = ("data",)

    def __init__(self, event: Event) -> None:
        self.data = {k.lower(): v for k, v in event.items() if isinstance(v, str)}

    def __getitem__(self, key: str) -> str:
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


ENDED_UNSEEN = "ended while the AMI link was down"


def _duration(value: str) -> float:
    """CoreShowChannel's `Duration` (hh:mm:ss) in seconds; 0 when unreadable."""
    try:
        hours, minutes, seconds = (int(part) for part in value.split(":"))
    except ValueError:
        return 0.0
    return hours * 3600.0 + minutes * 60 + seconds


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _caller_number(ev: Event) -> str:
    """The caller id number, or "" when there is none: Asterisk writes `<unknown>` then."""
    number = ev.get("calleridnum", "")
    return "" if number == "<unknown>" else number
