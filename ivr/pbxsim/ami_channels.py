"""The simulated PBX's live channels and queue callers, and `CoreShowChannels` as Asterisk 22's
main/manager.c `action_coreshowchannels` answers it.

Tests change the PBX through `SimulatedAsterisk` (`call_starts`, `joins_queue`, `hangs_up`),
which return the events Asterisk would send; emitting them is the test's choice, so a test can
end calls while the AMI link is down and see the IVR put its state right from the lists it asks
for after the reconnect.

Layout, from manager.c: the list ack `Response: Success`, `ActionID`, `EventList: start`,
`Message: Channels will follow`; one `CoreShowChannel` per channel, `ActionID` right after
`Event` and then the channel snapshot (`ast_manager_build_channel_state_string_prefix`:
Channel ... Linkedid), `Application`, `ApplicationData`, `Duration` (hh:mm:ss), `BridgeId`; and
`CoreShowChannelsComplete` with `EventList: Complete` and `ListItems`. None carries `Privilege`
(they are written with `astman_append`, not as events).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from ivr.ami.codec import AmiMessage
from ivr.asterisk_names import IVR_CONTEXT
from ivr.pbxsim.ami_wire import wire, with_id

# ChannelState numbers (include/asterisk/channelstate.h) for the descriptions used here.
_STATES = {"Down": 0, "Ring": 4, "Ringing": 5, "Up": 6}


@dataclass
class LiveChannel:
    uniqueid: str
    channel: str
    caller: str
    context: str = IVR_CONTEXT
    exten: str = "s"
    priority: int = 2
    state: str = "Up"
    application: str = "AGI"
    data: str = "agi://127.0.0.1:4573/hotline"
    created: float = 0.0
    bridge: str = ""

    def snapshot(self) -> dict[str, str]:
        """The channel state string, as manager_channels.c builds it (no prefix)."""
        return {
            "Channel": self.channel,
            "ChannelState": str(_STATES.get(self.state, 0)),
            "ChannelStateDesc": self.state,
            "CallerIDNum": self.caller or "<unknown>",
            "CallerIDName": "<unknown>",
            "ConnectedLineNum": "<unknown>",
            "ConnectedLineName": "<unknown>",
            "Language": "zh",
            "AccountCode": "",
            "Context": self.context,
            "Exten": self.exten,
            "Priority": str(self.priority),
            "Uniqueid": self.uniqueid,
            "Linkedid": self.uniqueid,
        }


@dataclass
class QueueCaller:
    queue: str
    uniqueid: str
    channel: str
    caller: str
    joined: float
    priority: int = 0


def duration(since: float, now: float) -> str:
    seconds = max(0, int(now - since))
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def core_show_channels(
    channels: list[LiveChannel], w: asyncio.StreamWriter, action: AmiMessage
) -> None:
    w.write(wire(with_id(action, {"Response": "Success", "EventList": "start",
                                  "Message": "Channels will follow"})))
    now = time.time()
    for channel in channels:
        w.write(wire(with_id(action, {
            "Event": "CoreShowChannel",
            **channel.snapshot(),
            "Application": channel.application,
            "ApplicationData": channel.data,
            "Duration": duration(channel.created, now),
            "BridgeId": channel.bridge,
        })))
    w.write(wire(with_id(action, {"Event": "CoreShowChannelsComplete",
                                  "EventList": "Complete", "ListItems": str(len(channels))})))


def queue_entry(
    action: AmiMessage, entry: QueueCaller, position: int, now: float
) -> dict[str, str]:
    """QueueStatus's QueueEntry, as app_queue.c `manager_queues_status` writes it (ActionID
    last)."""
    headers = {
        "Event": "QueueEntry",
        "Queue": entry.queue,
        "Position": str(position),
        "Channel": entry.channel,
        "Uniqueid": entry.uniqueid,
        "CallerIDNum": entry.caller or "unknown",
        "CallerIDName": "unknown",
        "ConnectedLineNum": "unknown",
        "ConnectedLineName": "unknown",
        "Wait": str(int(now - entry.joined)),
        "Priority": str(entry.priority),
    }
    return {**headers, "ActionID": action.action_id} if action.action_id else headers
