"""The simulated PBX's queues: their members, and the Queue* actions that change and list them,
answered with app_queue's messages and headers in app_queue's order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ivr.ami.codec import AmiMessage
from ivr.asterisk_names import AGI_HOSTS_CONTEXT, ASTERISK_QUEUES, INBOUND_CONTEXT
from ivr.pbxsim.ami_channels import LiveChannel, QueueCaller, queue_entry

if TYPE_CHECKING:  # ami_outbound imports ami_originate, which imports this module
    from ivr.pbxsim.ami_outbound import OutboundTrunk
from ivr.pbxsim.ami_wire import id_last, respond, wire, with_id

Broadcast = Callable[[Mapping[str, str]], None]  # an event to every listening session


@dataclass
class QueueMember:
    queue: str
    interface: str
    member_name: str
    penalty: int = 0
    paused: bool = False
    reason: str = ""
    state_interface: str = ""
    calls_taken: int = 0


@dataclass
class SimulatedAsterisk:
    """What the simulator knows about its PBX: queue members (changed by QueueAdd & co.), live
    channels and the callers waiting in each queue (changed by the test through `call_starts`,
    `joins_queue` and `hangs_up`, which return the events Asterisk sends for the change)."""

    queues: tuple[str, ...] = tuple(ASTERISK_QUEUES.values())
    members: dict[tuple[str, str], QueueMember] = field(default_factory=dict)
    originate_response: str = "Success"  # or "Failure" (reported as unanswered, Reason 3)
    weights: dict[str, int] = field(default_factory=lambda: {"repair": 2, "emergency": 10})
    # Set: Async Originates go to this simulated trunk (outcome per number, pacing counted).
    trunk: OutboundTrunk | None = None
    channels: dict[str, LiveChannel] = field(default_factory=dict)  # by uniqueid, in creation order
    waiting: dict[str, list[QueueCaller]] = field(default_factory=dict)  # queue -> callers in order

    def call_starts(self, uniqueid: str, caller: str, *, context: str = INBOUND_CONTEXT,
                    channel: str = "") -> dict[str, str]:
        """A carrier call arrives (in the endpoint's context, as its Newchannel says)."""
        live = LiveChannel(uniqueid, channel or f"PJSIP/carrier-{uniqueid}", caller,
                           context=context, created=time.time())
        self.channels[uniqueid] = live
        return {"Event": "Newchannel", "Privilege": "call,all", **live.snapshot()}

    def joins_queue(self, uniqueid: str, queue: str, priority: int = 0) -> dict[str, str]:
        live = self.channels[uniqueid]
        # The IVR runs Queue with EXEC from inside AGI(), in the host loop's context.
        live.context, live.exten, live.priority = AGI_HOSTS_CONTEXT, "s", 7
        live.application, live.data = "Queue", queue
        waiting = self.waiting.setdefault(queue, [])
        waiting.append(QueueCaller(queue, uniqueid, live.channel, live.caller, time.time(),
                                   priority))
        return {"Event": "QueueCallerJoin", "Privilege": "agent,all", **live.snapshot(),
                "Queue": queue, "Position": str(len(waiting)), "Count": str(len(waiting))}

    def follow(self, event: Mapping[str, str]) -> None:
        """Keep the live channels and queue callers in step with an event sent as it was
        recorded (`AmiSimulator.replay`): a channel a replayed call opened is alive until its
        Hangup, so `CoreShowChannels` after a drop lists it as Asterisk would."""
        name, uid = event.get("Event", ""), event.get("Uniqueid", "")
        if not uid:
            return
        if name == "Newchannel" and uid not in self.channels:
            self.channels[uid] = LiveChannel(
                uid, event.get("Channel", ""), event.get("CallerIDNum", ""),
                context=event.get("Context", INBOUND_CONTEXT), exten=event.get("Exten", "s"),
                state=event.get("ChannelStateDesc", "Ring"), created=time.time())
        elif name == "QueueCallerJoin" and uid in self.channels:
            live = self.channels[uid]
            queue = event.get("Queue", "")
            if all(c.uniqueid != uid for c in self.waiting.get(queue, [])):
                self.waiting.setdefault(queue, []).append(
                    QueueCaller(queue, uid, live.channel, live.caller, time.time()))
        elif name in ("QueueCallerLeave", "QueueCallerAbandon"):
            queue = event.get("Queue", "")
            self.waiting[queue] = [c for c in self.waiting.get(queue, []) if c.uniqueid != uid]
        elif name == "Hangup":
            self.channels.pop(uid, None)
            for queue, callers in self.waiting.items():
                self.waiting[queue] = [c for c in callers if c.uniqueid != uid]

    def hangs_up(self, uniqueid: str) -> list[dict[str, str]]:
        """The channel goes: QueueCallerAbandon if it was waiting, then Hangup."""
        live = self.channels.pop(uniqueid)
        events: list[dict[str, str]] = []
        for queue, waiting in self.waiting.items():
            for position, entry in enumerate(waiting, start=1):
                if entry.uniqueid == uniqueid:
                    waiting.remove(entry)
                    events.append({
                        "Event": "QueueCallerAbandon", "Privilege": "agent,all",
                        **live.snapshot(), "Queue": queue, "Position": str(position),
                        "OriginalPosition": str(position),
                        "HoldTime": str(int(time.time() - entry.joined))})
                    break
        events.append({"Event": "Hangup", "Privilege": "call,all", **live.snapshot(),
                       "Cause": "16", "Cause-txt": "Normal Clearing"})
        return events


def queue_add(
    pbx: SimulatedAsterisk, w: asyncio.StreamWriter, action: AmiMessage, broadcast: Broadcast
) -> None:
    queue, interface = action.get("Queue", ""), action.get("Interface", "")
    if not queue:
        respond(w, action, "Error", "'Queue' not specified.")
        return
    if not interface:
        respond(w, action, "Error", "'Interface' not specified.")
        return
    if queue not in pbx.queues:
        respond(w, action, "Error", "Unable to add interface to queue: No such queue")
        return
    if (queue, interface) in pbx.members:
        respond(w, action, "Error", "Unable to add interface: Already there")
        return
    member = QueueMember(
        queue,
        interface,
        action.get("MemberName", "") or interface,
        penalty=int(action.get("Penalty", "0") or 0),
        paused=action.get("Paused", "").lower() in ("1", "true", "yes"),
        reason=action.get("Reason", ""),
        state_interface=action.get("StateInterface", "") or interface,
    )
    pbx.members[(queue, interface)] = member
    respond(w, action, "Success", "Added interface to queue")
    broadcast(member_event("QueueMemberAdded", member))



def queue_remove(
    pbx: SimulatedAsterisk, w: asyncio.StreamWriter, action: AmiMessage, broadcast: Broadcast
) -> None:
    queue, interface = action.get("Queue", ""), action.get("Interface", "")
    if not queue or not interface:
        respond(w, action, "Error", "Need 'Queue' and 'Interface' parameters.")
        return
    member = pbx.members.pop((queue, interface), None)
    if member is None:
        respond(w, action, "Error", "Unable to remove interface: Not there")
        return
    respond(w, action, "Success", "Removed interface from queue")
    broadcast(member_event("QueueMemberRemoved", member))



def queue_pause(
    pbx: SimulatedAsterisk, w: asyncio.StreamWriter, action: AmiMessage, broadcast: Broadcast
) -> None:
    interface, paused_s = action.get("Interface", ""), action.get("Paused", "")
    if not interface or not paused_s:
        respond(w, action, "Error", "Need 'Interface' and 'Paused' parameters.")
        return
    paused = paused_s.lower() in ("1", "true", "yes")
    queue = action.get("Queue", "")
    hits = [
        m
        for (q, i), m in pbx.members.items()
        if i == interface and (not queue or q == queue)
    ]
    if not hits:
        respond(w, action, "Error", "Interface not found")
        return
    respond(
        w,
        action,
        "Success",
        "Interface paused successfully" if paused else "Interface unpaused successfully",
    )
    for member in hits:
        member.paused, member.reason = paused, action.get("Reason", "") if paused else ""
        broadcast(member_event("QueueMemberPause", member))



def queue_status(pbx: SimulatedAsterisk, w: asyncio.StreamWriter, action: AmiMessage) -> None:
    w.write(
        wire(
            with_id(
                action,
                {
                    "Response": "Success",
                    "EventList": "start",
                    "Message": "Queue status will follow",
                },
            )
        )
    )
    items = 0
    only = action.get("Queue", "")
    now = time.time()
    for queue in pbx.queues:
        if only and queue != only:
            continue
        # app_queue writes the ActionID last in QueueParams and QueueMember.
        w.write(
            wire(
                id_last(
                    action,
                    {
                        "Event": "QueueParams",
                        "Queue": queue,
                        "Max": "0",
                        "Strategy": "rrmemory",
                        "Calls": str(len(pbx.waiting.get(queue, []))),
                        "Holdtime": "0",
                        "TalkTime": "0",
                        "Completed": "0",
                        "Abandoned": "0",
                        "ServiceLevel": "15",
                        "ServicelevelPerf": "0.0",
                        "ServicelevelPerf2": "0.0",
                        "Weight": str(pbx.weights.get(queue, 0)),
                    },
                )
            )
        )
        items += 1
        for (q, _), member in pbx.members.items():
            if q == queue:
                w.write(wire(id_last(action, status_member(member))))
                items += 1
        for position, entry in enumerate(pbx.waiting.get(queue, []), start=1):
            w.write(wire(queue_entry(action, entry, position, now)))
            items += 1
    w.write(
        wire(
            with_id(
                action,
                {
                    "Event": "QueueStatusComplete",
                    "EventList": "Complete",
                    "ListItems": str(items),
                },
            )
        )
    )



def member_fields(m: QueueMember) -> dict[str, str]:
    return {
        "Queue": m.queue,
        "MemberName": m.member_name,
        "Interface": m.interface,
        "StateInterface": m.state_interface or m.interface,
        "Membership": "dynamic",
        "Penalty": str(m.penalty),
        "CallsTaken": str(m.calls_taken),
        "LastCall": "0",
        "LastPause": "0",
        "LoginTime": str(int(time.time())),
        "InCall": "0",
        "Status": "1",
        "Paused": "1" if m.paused else "0",
        "PausedReason": m.reason,
        "Ringinuse": "0",
        "Wrapuptime": "0",
    }


def member_event(name: str, m: QueueMember) -> dict[str, str]:
    return {"Event": name, "Privilege": "agent,all", **member_fields(m)}


def status_member(m: QueueMember) -> dict[str, str]:
    """QueueStatus's QueueMember: `Name`/`Location` where the member events say
    `MemberName`/`Interface`, and no `Ringinuse`."""
    fields = member_fields(m)
    renamed = {"MemberName": "Name", "Interface": "Location"}
    return {"Event": "QueueMember"} | {
        renamed.get(k, k): v for k, v in fields.items() if k != "Ringinuse"
    }
