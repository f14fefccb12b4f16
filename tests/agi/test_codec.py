"""The FastAGI codec against byte-string fixtures in res_agi.c's formats."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.agi.codec import (
    USAGE_END,
    USAGE_START,
    AgiProtocolError,
    AgiReply,
    UnsafeArgument,
    decode_line,
    format_command,
    format_env,
    is_usage_start,
    parse_env,
    parse_env_line,
    parse_reply,
    parse_usage_reply,
    quote_arg,
    script_args,
    script_name,
    split_command,
)

HEADER = (
    b"agi_network: yes\n"
    b"agi_network_script: hotline\n"
    b"agi_request: agi://10.0.0.5:4573/hotline\n"
    b"agi_channel: PJSIP/carrier-00000001\n"
    b"agi_language: zh\n"
    b"agi_uniqueid: 1718000000.42\n"
    b"agi_callerid: +8613800138000\n"
    b"agi_calleridname: unknown\n"
    b"agi_accountcode: \n"
    b"agi_arg_1: storm\n"
    b"agi_arg_2: zh-CN\n"
    b"\n"
)


def test_environment_block_parses_without_prefix() -> None:
    lines = HEADER.split(b"\n")[:-2]
    env = parse_env(lines)
    assert env["network"] == "yes"
    assert env["uniqueid"] == "1718000000.42"
    assert env["callerid"] == "+8613800138000"
    assert env["accountcode"] == ""
    assert script_name(env) == "hotline"
    assert script_args(env) == ["storm", "zh-CN"]


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"network_script": "hotline?lang=en"}, "hotline"),
        ({"request": "agi://host:4573/hotline/outage"}, "hotline/outage"),
        ({"request": "agi://host"}, ""),
        ({}, ""),
    ],
)
def test_script_name(env: dict[str, str], expected: str) -> None:
    assert script_name(env) == expected


@pytest.mark.parametrize(
    "line",
    [b"GET / HTTP/1.0", b"agi_callerid", b"callerid: 1", b"agi_: x", b"\x16\x03\x01\x02"],
)
def test_malformed_environment_lines_are_refused(line: bytes) -> None:
    with pytest.raises(AgiProtocolError):
        parse_env_line(line)


def test_environment_line_tolerates_crlf_and_non_utf8_names() -> None:
    assert parse_env_line(b"agi_calleridname: Zhang San\r") == ("calleridname", "Zhang San")
    assert parse_env_line(b"agi_calleridname: \xe9t\xe9")[1] == "\xe9t\xe9"


def test_format_env_round_trips() -> None:
    env = {"network": "yes", "uniqueid": "1.2", "accountcode": ""}
    data = format_env(env)
    assert data.startswith(b"agi_network: yes\n") and data.endswith(b"\n\n")
    assert parse_env(data.split(b"\n")[:-2]) == env


@pytest.mark.parametrize(
    "line, reply",
    [
        (b"200 result=0\n", AgiReply(200, "0")),
        (b"200 result=-1\n", AgiReply(200, "-1")),
        (b"200 result=1 (timeout) endpos=1234\n", AgiReply(200, "1", "timeout", 1234)),
        (b"200 result=49 endpos=6400\n", AgiReply(200, "49", None, 6400)),
        (b"200 result=-1 endpos=0\n", AgiReply(200, "-1", None, 0)),
        (b"200 result= (timeout)\n", AgiReply(200, "", "timeout")),
        (b"200 result=\n", AgiReply(200, "")),
        (b"200 result=5100012345\n", AgiReply(200, "5100012345")),
        (b"200 result=1 (a (b) c)\r\n", AgiReply(200, "1", "a (b) c")),
        (b"200 result=1 ()\n", AgiReply(200, "1", "")),
        (b"510 Invalid or unknown command\n", AgiReply(510, message="Invalid or unknown command")),
        (
            b"511 Command Not Permitted on a dead channel or intercept routine\n",
            AgiReply(511, message="Command Not Permitted on a dead channel or intercept routine"),
        ),
        (
            b"520 Invalid command syntax.  Proper usage not available.\n",
            AgiReply(520, message="Invalid command syntax.  Proper usage not available."),
        ),
    ],
)
def test_reply_lines(line: bytes, reply: AgiReply) -> None:
    assert parse_reply(decode_line(line)) == reply


@pytest.mark.parametrize(
    "line", ["HANGUP", "", "200", "200 result", "OK", "2000 result=1", USAGE_START]
)
def test_malformed_replies_are_refused(line: str) -> None:
    with pytest.raises(AgiProtocolError):
        parse_reply(line)


def test_result_int() -> None:
    assert parse_reply("200 result=-1").result_int == -1
    with pytest.raises(AgiProtocolError):
        _ = parse_reply("200 result=12#").result_int


def test_multi_line_usage_reply() -> None:
    data = (
        b"520-Invalid command syntax.  Proper usage follows:\n"
        b" Usage: STREAM FILE <filename> <escape_digits> [sample offset]\n"
        b"   Send the given file.\n"
        b"520 End of proper usage.\n"
    )
    lines = [decode_line(x) for x in data.splitlines(keepends=True)]
    assert is_usage_start(lines[0])
    reply = parse_usage_reply(lines[1:])
    assert reply.code == 520 and not reply.ok
    assert reply.usage == (
        " Usage: STREAM FILE <filename> <escape_digits> [sample offset]",
        "   Send the given file.",
    )
    with pytest.raises(AgiProtocolError):
        parse_usage_reply(lines[1:-1])
    assert lines[-1] == USAGE_END


# --- quoting: what we send is read back by Asterisk's parse_args word for word ----------------


@pytest.mark.parametrize("bad", ["a\nANSWER", "x\r", "nul\0", "\n"])
def test_line_breaks_and_nul_are_refused(bad: str) -> None:
    with pytest.raises(UnsafeArgument):
        quote_arg(bad)
    with pytest.raises(UnsafeArgument):
        format_command("SET VARIABLE", "NAME", bad)


@pytest.mark.parametrize(
    "value",
    ['x" "1234', '" ; EXEC Hangup', "back\\", '\\"', "", " ", "\t", "张三 先生", "a,b|c${X}"],
)
def test_injection_attempts_stay_one_word(value: str) -> None:
    line = format_command("SET VARIABLE", "IVR_NAME", value).decode()
    assert line.endswith("\n") and line.count("\n") == 1
    assert split_command(line[:-1]) == ["SET", "VARIABLE", "IVR_NAME", value]


_SAFE_TEXT = st.text(st.characters(exclude_characters="\r\n\0", exclude_categories=["Cs"]))


@given(st.lists(_SAFE_TEXT, max_size=6))
def test_any_safe_arguments_round_trip(args: list[str]) -> None:
    line = format_command("EXEC", *args).decode()
    assert split_command(line[:-1]) == ["EXEC", *args]


def test_verbs_are_fixed_text() -> None:
    assert format_command("STREAM FILE", "menu", "") == b'STREAM FILE "menu" ""\n'
    for verb in ("ANSWER\n", "EXEC;", "", "GET  DATA"):
        with pytest.raises(ValueError):
            format_command(verb)


def test_overlong_command_is_refused() -> None:
    with pytest.raises(UnsafeArgument):
        format_command("VERBOSE", "x" * 9000)


@pytest.mark.parametrize(
    "line, words",
    [
        ('STREAM FILE "" ""', ["STREAM", "FILE", "", ""]),
        ("stream  file\tmenu 123", ["stream", "file", "menu", "123"]),
        ('EXEC Dial PJSIP/1\\ 2', ["EXEC", "Dial", "PJSIP/1 2"]),
        ('SET VARIABLE ab"c d"e x', ["SET", "VARIABLE", "abc de", "x"]),
        ("", []),
        ("   ", []),
        ('VERBOSE "unterminated', ["VERBOSE", "unterminated"]),
        ("ANSWER\r", ["ANSWER\r"]),
    ],
)
def test_split_command_matches_parse_args(line: str, words: list[str]) -> None:
    assert split_command(line) == words


def test_split_command_truncates_like_asterisk() -> None:
    assert len(split_command(" ".join(["x"] * 200))) == 127
