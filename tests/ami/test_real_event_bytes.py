"""HotlineState fed with events exactly as Asterisk 22.10.1 sent them to the IVR's AMI user
(captured from a Local-channel call into hotline-test; Linkedid and connected-line headers kept)."""

from __future__ import annotations

from ivr.ami.codec import decode
from ivr.ami.state import HotlineState

NEWCHANNEL = (
    b"Event: Newchannel\r\nPrivilege: call,all\r\nTimestamp: 1795646113.855866\r\n"
    b"Channel: Local/13800138000@hotline-test-00000009;2\r\nChannelState: 4\r\n"
    b"ChannelStateDesc: Ring\r\nCallerIDNum: <unknown>\r\nCallerIDName: <unknown>\r\n"
    b"ConnectedLineNum: <unknown>\r\nConnectedLineName: <unknown>\r\nLanguage: en\r\n"
    b"AccountCode: \r\nContext: hotline-test\r\nExten: 13800138000\r\nPriority: 1\r\n"
    b"Uniqueid: 1795646113.19\r\nLinkedid: 1795646113.18\r\n\r\n"
)
NEWSTATE_UP = (
    b"Event: Newstate\r\nPrivilege: call,all\r\nTimestamp: 1795646113.856264\r\n"
    b"Channel: Local/13800138000@hotline-test-00000009;2\r\nChannelState: 6\r\n"
    b"ChannelStateDesc: Up\r\nCallerIDNum: 13800138000\r\nCallerIDName: <unknown>\r\n"
    b"ConnectedLineNum: <unknown>\r\nConnectedLineName: <unknown>\r\nLanguage: en\r\n"
    b"AccountCode: \r\nContext: hotline-ivr\r\nExten: fallback\r\nPriority: 2\r\n"
    b"Uniqueid: 1795646113.19\r\nLinkedid: 1795646113.18\r\n\r\n"
)


def test_an_absent_caller_id_is_not_recorded_as_the_text_unknown() -> None:
    state = HotlineState()
    state.feed(decode(NEWCHANNEL))
    assert state.calls["1795646113.19"].record.caller == ""


def test_a_caller_id_set_after_the_channel_began_is_taken_when_it_answers() -> None:
    state = HotlineState()
    state.feed(decode(NEWCHANNEL))
    state.feed(decode(NEWSTATE_UP))
    record = state.calls["1795646113.19"].record
    assert record.caller == "13800138000"
    assert record.answered_at is not None and record.answered_at - record.started_at < 0.001


def test_only_the_hotline_half_of_a_local_loopback_is_a_call() -> None:
    calling_half = (
        NEWCHANNEL.replace(b";2", b";1")
        .replace(b"Uniqueid: 1795646113.19", b"Uniqueid: 1795646113.18")
        .replace(
            b"ChannelState: 4\r\nChannelStateDesc: Ring",
            b"ChannelState: 0\r\nChannelStateDesc: Down",
        )
    )
    state = HotlineState()
    state.feed(decode(calling_half))
    state.feed(decode(NEWCHANNEL))
    assert list(state.calls) == ["1795646113.19"]
