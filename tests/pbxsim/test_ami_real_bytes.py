"""The AMI simulator against a session captured from Asterisk 22.10.1 with asterisk-conf/ loaded,
logged in as the IVR's user (read = call,agent; write = originate,agent; its event filters).

Each step sends the same action to the simulator and expects the bytes Asterisk sent, with the
values that change from run to run (times, unique ids, channel sequence numbers) masked.
"""

from __future__ import annotations

import asyncio
import re

from ivr.pbxsim.ami_server import AmiSimulator

_VOLATILE = re.compile(
    r"^(Timestamp|LastPause|LoginTime|Uniqueid): (?!<unknown>).*$|-[0-9a-f]{8};1$", re.M
)


def _mask(text: str) -> str:
    """LF line ends (CRLF is checked apart) and the volatile values starred."""
    assert "\n" not in text.replace("\r\n", ""), "a line not ended by CRLF"
    text = text.replace("\r\n", "\n")
    return _VOLATILE.sub(lambda m: m.group(1) + ": *" if m.group(1) else "-N;1", text)


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


# (action sent, what Asterisk answered) - the answer's blank-line-separated messages in order.
STEPS: list[tuple[str, str]] = [
    (
        "Action: Login\nActionID: l2\nUsername: hotline-ivr\nSecret: ivrsecret\n",
        # No FullyBooted: it is a system-class event and this user does not read that class.
        "Response: Success\nActionID: l2\nMessage: Authentication accepted\n\n",
    ),
    (
        "Action: Ping\nActionID: p1\n",
        "Response: Success\nActionID: p1\nPing: Pong\nTimestamp: 1795646106.033214\n\n",
    ),
    (
        "Action: QueueAdd\nActionID: qa1\nQueue: general-enquiry\n"
        "Interface: Local/8001@hotline-agents\nPenalty: 1\nPaused: false\nMemberName: A001\n",
        "Response: Success\nActionID: qa1\nMessage: Added interface to queue\n\n"
        "Event: QueueMemberAdded\nPrivilege: agent,all\nTimestamp: 1795646106.634683\n"
        "Queue: general-enquiry\nMemberName: A001\nInterface: Local/8001@hotline-agents\n"
        "StateInterface: Local/8001@hotline-agents\nMembership: dynamic\nPenalty: 1\n"
        "CallsTaken: 0\nLastCall: 0\nLastPause: 0\nLoginTime: 1795646106\nInCall: 0\nStatus: 1\n"
        "Paused: 0\nPausedReason: \nRinginuse: 0\nWrapuptime: 0\n\n",
    ),
    (
        "Action: QueueAdd\nActionID: qa2\nQueue: general-enquiry\n"
        "Interface: Local/8001@hotline-agents\nPenalty: 1\n",
        "Response: Error\nActionID: qa2\nMessage: Unable to add interface: Already there\n\n",
    ),
    (
        "Action: QueueAdd\nActionID: qa3\nQueue: no-such-queue\n"
        "Interface: Local/8001@hotline-agents\n",
        "Response: Error\nActionID: qa3\n"
        "Message: Unable to add interface to queue: No such queue\n\n",
    ),
    (
        "Action: QueueAdd\nActionID: qa4\nQueue: repair\n",
        "Response: Error\nActionID: qa4\nMessage: 'Interface' not specified.\n\n",
    ),
    (
        "Action: QueuePause\nActionID: qp1\nInterface: Local/8001@hotline-agents\n"
        "Paused: true\nReason: lunch\n",
        "Response: Success\nActionID: qp1\nMessage: Interface paused successfully\n\n"
        "Event: QueueMemberPause\nPrivilege: agent,all\nTimestamp: 1795646109.040410\n"
        "Queue: general-enquiry\nMemberName: A001\nInterface: Local/8001@hotline-agents\n"
        "StateInterface: Local/8001@hotline-agents\nMembership: dynamic\nPenalty: 1\n"
        "CallsTaken: 0\nLastCall: 0\nLastPause: 1795646109\nLoginTime: 1795646106\nInCall: 0\n"
        "Status: 1\nPaused: 1\nPausedReason: lunch\nRinginuse: 0\nWrapuptime: 0\n\n",
    ),
    (
        "Action: QueuePause\nActionID: qp3\nInterface: Local/9999@hotline-agents\nPaused: true\n",
        "Response: Error\nActionID: qp3\nMessage: Interface not found\n\n",
    ),
    (
        "Action: QueuePause\nActionID: qp4\nInterface: Local/8001@hotline-agents\n",
        "Response: Error\nActionID: qp4\nMessage: Need 'Interface' and 'Paused' parameters.\n\n",
    ),
    (
        "Action: QueueStatus\nActionID: qs2\nQueue: general-enquiry\n",
        "Response: Success\nActionID: qs2\nEventList: start\nMessage: Queue status will follow\n\n"
        "Event: QueueParams\nQueue: general-enquiry\nMax: 0\nStrategy: rrmemory\nCalls: 0\n"
        "Holdtime: 0\nTalkTime: 0\nCompleted: 0\nAbandoned: 0\nServiceLevel: 15\n"
        "ServicelevelPerf: 0.0\nServicelevelPerf2: 0.0\nWeight: 0\nActionID: qs2\n\n"
        "Event: QueueMember\nQueue: general-enquiry\nName: A001\n"
        "Location: Local/8001@hotline-agents\nStateInterface: Local/8001@hotline-agents\n"
        "Membership: dynamic\nPenalty: 1\nCallsTaken: 0\nLastCall: 0\nLastPause: 1795646109\n"
        "LoginTime: 1795646106\nInCall: 0\nStatus: 1\nPaused: 1\nPausedReason: lunch\n"
        "Wrapuptime: 0\nActionID: qs2\n\n"
        "Event: QueueStatusComplete\nActionID: qs2\nEventList: Complete\nListItems: 2\n\n",
    ),
    (
        "Action: QueueRemove\nActionID: qr1\nQueue: general-enquiry\n"
        "Interface: Local/8001@hotline-agents\n",
        "Response: Success\nActionID: qr1\nMessage: Removed interface from queue\n\n"
        "Event: QueueMemberRemoved\nPrivilege: agent,all\nTimestamp: 1795646112.652284\n"
        "Queue: general-enquiry\nMemberName: A001\nInterface: Local/8001@hotline-agents\n"
        "StateInterface: Local/8001@hotline-agents\nMembership: dynamic\nPenalty: 1\n"
        "CallsTaken: 0\nLastCall: 0\nLastPause: 1795646109\nLoginTime: 1795646106\nInCall: 0\n"
        "Status: 1\nPaused: 1\nPausedReason: lunch\nRinginuse: 0\nWrapuptime: 0\n\n",
    ),
    (
        "Action: QueueRemove\nActionID: qr2\nQueue: general-enquiry\n"
        "Interface: Local/8001@hotline-agents\n",
        "Response: Error\nActionID: qr2\nMessage: Unable to remove interface: Not there\n\n",
    ),
    # The call's Newchannel/Newstate events came between these two; the simulator has no
    # channels, so they are not part of its answer.
    (
        "Action: Originate\nActionID: o1\nChannel: Local/13800138000@hotline-test\n"
        "Application: Wait\nData: 3\nTimeout: 10000\nAsync: true\n",
        "Response: Success\nActionID: o1\nMessage: Originate successfully queued\n\n"
        "Event: OriginateResponse\nPrivilege: call,all\nTimestamp: 1795646113.856259\n"
        "ActionID: o1\nResponse: Success\nChannel: Local/13800138000@hotline-test-00000009;1\n"
        "Application: Wait\nData: 3\nReason: 4\nUniqueid: 1795646113.18\n"
        "CallerIDNum: <unknown>\nCallerIDName: <unknown>\n\n",
    ),
    (
        "Action: Bogus\nActionID: b1\n",
        "Response: Error\nActionID: b1\nMessage: Invalid/unknown command: Bogus. "
        "Use Action: ListCommands to show available commands.\n\n",
    ),
    (
        "Action: Logoff\nActionID: lo\n",
        "Response: Goodbye\nActionID: lo\nMessage: Thanks for all the fish.\n\n",
    ),
]


async def _read_messages(reader: asyncio.StreamReader, count: int) -> str:
    data = b""
    while data.count(b"\r\n\r\n") < count:
        data += await reader.read(65536)
    return data.decode()


async def test_a_session_answers_as_asterisk_did() -> None:
    async with AmiSimulator(secret="ivrsecret") as sim:
        sim.pbx.members.clear()
        reader, writer = await asyncio.open_connection(sim.host, sim.port)
        try:
            async with asyncio.timeout(5):
                assert await reader.readline() == b"Asterisk Call Manager/11.0.0\r\n"
                for action, expected in STEPS:
                    writer.write(_crlf(action + "\n").encode())
                    got = await _read_messages(reader, expected.count("\n\n"))
                    assert _mask(got) == _mask(_crlf(expected)), action.splitlines()[0:2]
        finally:
            writer.close()


async def test_a_failed_originate_names_the_requested_channel_and_no_unique_id() -> None:
    async with AmiSimulator() as sim:
        sim.pbx.originate_response = "Failure"
        reader, writer = await asyncio.open_connection(sim.host, sim.port)
        try:
            async with asyncio.timeout(5):
                await reader.readline()
                writer.write(
                    _crlf(
                        f"Action: Login\nUsername: {sim.username}\nSecret: {sim.secret}\n\n"
                        "Action: Originate\nActionID: o\nChannel: PJSIP/13800138000@carrier\n"
                        "Context: hotline-outbound\nExten: survey\nPriority: 1\n"
                        'CallerID: "Hotline" <95598>\nAsync: true\n\n'
                    ).encode()
                )
                got = await _read_messages(reader, 3)
        finally:
            writer.close()
    event = got.split("\r\n\r\n")[2]
    # manager.c: Context/Exten instead of Application/Data; "<unknown>" for a channel never made
    assert _mask(event) == (
        "Event: OriginateResponse\nPrivilege: call,all\nTimestamp: *\nActionID: o\n"
        "Response: Failure\nChannel: PJSIP/13800138000@carrier\nContext: hotline-outbound\n"
        "Exten: survey\nReason: 3\nUniqueid: <unknown>\nCallerIDNum: 95598\n"
        "CallerIDName: Hotline"
    )
