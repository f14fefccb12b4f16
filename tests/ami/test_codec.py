"""The AMI wire format: byte-string fixtures in, messages out, and back."""

from __future__ import annotations

import pytest

from ivr.ami.codec import (
    AmiMessage,
    AmiProtocolError,
    MessageReader,
    UnsafeHeaderValue,
    decode,
    encode,
    parse_banner,
)

LOGIN_OK = b"Response: Success\r\nActionID: 7\r\nMessage: Authentication accepted\r\n\r\n"
ORIGINATE = (
    b"Action: Originate\r\nActionID: o-1\r\nChannel: PJSIP/13800138000@carrier\r\n"
    b"Variable: IVR_ACCOUNT=5100012345\r\nVariable: IVR_LANGUAGE=zh-CN\r\n\r\n"
)
LEGACY_COMMAND = (
    b"Response: Follows\r\nPrivilege: Command\r\nActionID: c-1\r\n"
    b"Name/username: 8001\r\nqueue show repair\r\n--END COMMAND--\r\n\r\n"
)


def test_decode_response_headers_case_insensitive() -> None:
    msg = decode(LOGIN_OK)
    assert msg.response == "Success"
    assert msg["actionid"] == "7" and msg.action_id == "7"
    assert msg["MESSAGE"] == "Authentication accepted"
    assert list(msg) == ["Response", "ActionID", "Message"]


def test_multi_value_headers_keep_every_value_in_order() -> None:
    msg = decode(ORIGINATE)
    assert msg["Variable"] == "IVR_ACCOUNT=5100012345"
    assert msg.get_all("variable") == ["IVR_ACCOUNT=5100012345", "IVR_LANGUAGE=zh-CN"]


def test_encode_round_trips_multi_value_headers() -> None:
    data = encode(
        {
            "Action": "Originate",
            "ActionID": "o-1",
            "Channel": "PJSIP/13800138000@carrier",
            "Variable": ["IVR_ACCOUNT=5100012345", "IVR_LANGUAGE=zh-CN"],
        }
    )
    assert data == ORIGINATE
    assert decode(data) == decode(ORIGINATE)


def test_response_follows_keeps_raw_body_lines() -> None:
    msg = decode(LEGACY_COMMAND)
    assert msg.response == "Follows"
    assert msg.action_id == "c-1"
    assert "Name/username" not in msg
    assert msg.body == ("Name/username: 8001", "queue show repair")


def test_empty_value_and_value_with_colons() -> None:
    msg = decode(b"Event: Newchannel\r\nCallerIDName: \r\nAppData: agi://10.0.0.5:4573/hotline\r\n")
    assert msg["CallerIDName"] == ""
    assert msg["AppData"] == "agi://10.0.0.5:4573/hotline"


@pytest.mark.parametrize(
    "value",
    ["13800138000\r\nAction: Originate", "x\ny", "x\rAction: Hangup", "\r\n"],
)
def test_encode_refuses_cr_or_lf_in_values(value: str) -> None:
    with pytest.raises(UnsafeHeaderValue):
        encode({"Action": "Originate", "CallerID": value})


@pytest.mark.parametrize("key", ["Caller\r\nID", "Caller:ID", "", " Channel"])
def test_encode_refuses_bad_header_names(key: str) -> None:
    with pytest.raises(UnsafeHeaderValue):
        encode({key: "x"})


def test_encode_refuses_cr_lf_inside_a_multi_value_header() -> None:
    with pytest.raises(UnsafeHeaderValue):
        encode({"Action": "Originate", "Variable": ["A=1", "B=2\r\nAction: Hangup"]})


def test_reader_splits_stream_at_any_byte_boundary() -> None:
    stream = b"Asterisk Call Manager/11.0.0\r\n" + LOGIN_OK + ORIGINATE
    for cut in range(1, len(stream)):
        reader = MessageReader(expect_banner=True)
        got = reader.feed(stream[:cut]) + reader.feed(stream[cut:])
        assert reader.banner == "11.0.0"
        assert [m.response or m["Action"] for m in got] == ["Success", "Originate"]


def test_reader_refuses_oversized_message() -> None:
    reader = MessageReader(limit=64)
    with pytest.raises(AmiProtocolError):
        reader.feed(b"Event: X\r\nData: " + b"a" * 100)


def test_banner_must_be_asterisk() -> None:
    assert parse_banner(b"Asterisk Call Manager/9.0.0\r\n") == "9.0.0"
    with pytest.raises(AmiProtocolError):
        parse_banner(b"SSH-2.0-OpenSSH_9.6\r\n")


def test_garbage_is_a_protocol_error() -> None:
    with pytest.raises(AmiProtocolError):
        decode(b"this is not ami\r\n")
    with pytest.raises(AmiProtocolError):
        decode(b"\r\n")


def test_message_is_a_read_only_mapping() -> None:
    msg = AmiMessage([("Event", "Hangup"), ("Cause", "16")])
    assert dict(msg) == {"Event": "Hangup", "Cause": "16"}
    assert msg.event == "Hangup" and msg.response is None
