"""The FastAGI wire format as pure functions: environment lines, command lines, reply lines.

Everything here follows Asterisk's res/res_agi.c: `setup_env` (the `agi_*` header ending in a
blank line), `parse_args` (how a command line is split into words), `agi_handle_command` and
the `handle_*` functions (the reply lines). No I/O; the server and the simulator own the sockets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ivr.masking import mask_keys

ENCODING = "utf-8"

# res_agi.c reads a command into an 8192-byte buffer (AGI_BUF_LEN); a longer line is cut there.
MAX_COMMAND_BYTES = 8191
HANGUP_LINE = "HANGUP"


class AgiProtocolError(ValueError):
    """Bytes that are not valid FastAGI: a malformed environment or reply line."""


class UnsafeArgument(ValueError):
    """A command argument that would break the line: CR, LF or NUL."""


# --- the agi_* environment -------------------------------------------------------------------

_ENV_LINE = re.compile(r"agi_([a-z0-9_]+): ?(.*)")


def parse_env_line(line: bytes) -> tuple[str, str]:
    """One `agi_key: value` header line (without its newline) as `(key, value)`, prefix removed."""
    try:
        text = line.decode(ENCODING)
    except UnicodeDecodeError:
        text = line.decode("latin-1")  # caller names arrive in whatever the trunk sent
    match = _ENV_LINE.fullmatch(text.rstrip("\r"))
    if match is None:
        raise AgiProtocolError(f"not an agi_* environment line: {text[:80]!r}")
    return match.group(1), match.group(2)


def parse_env(lines: Iterable[bytes]) -> dict[str, str]:
    """The environment block (lines without newlines, the blank terminator excluded)."""
    env: dict[str, str] = {}
    for line in lines:
        key, value = parse_env_line(line)
        env[key] = value
    return env


def caller_number(env: Mapping[str, str]) -> str | None:
    """`agi_callerid`, or None when Asterisk reports the caller id as absent or `unknown`."""
    number = env.get("callerid", "").strip()
    return None if number in ("", "unknown") else number


def script_name(env: Mapping[str, str]) -> str:
    """The FastAGI script requested: `hotline` for `agi://host:4573/hotline?lang=en`."""
    script = env.get("network_script")
    if script is None:
        request = env.get("request", "")
        script = urlsplit(request).path if "://" in request else request
    return script.split("?", 1)[0].strip("/")


def script_args(env: Mapping[str, str]) -> list[str]:
    """`agi_arg_1` .. `agi_arg_N`, in order (the AGI() application's extra arguments)."""
    args: list[str] = []
    while (value := env.get(f"arg_{len(args) + 1}")) is not None:
        args.append(value)
    return args


def format_env(env: Mapping[str, str]) -> bytes:
    """The header block as Asterisk sends it (keys without `agi_`), blank line included."""
    lines = [f"agi_{key}: {value}\n" for key, value in env.items()]
    return ("".join(lines) + "\n").encode(ENCODING)


# --- commands --------------------------------------------------------------------------------

_VERB = re.compile(r"[A-Za-z]+( [A-Za-z]+)*")


def quote_arg(value: str) -> str:
    """`value` as one AGI word that res_agi's `parse_args` reads back exactly.

    Inside double quotes `parse_args` ends the word only at an unescaped `"` and reads `\\x`
    as a literal `x`, so escaping `"` and `\\` suffices; a line break cannot be escaped at all
    (it ends the command), so CR, LF and NUL are refused.
    """
    if any(ch in value for ch in "\r\n\0"):
        raise UnsafeArgument(f"AGI argument contains a line break or NUL: {value[:40]!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_command(verb: str, *args: str) -> bytes:
    """A command line: a fixed verb (`STREAM FILE`) followed by quoted arguments."""
    if not _VERB.fullmatch(verb):
        raise ValueError(f"not an AGI command verb: {verb!r}")
    line = " ".join([verb, *(quote_arg(arg) for arg in args)]) + "\n"
    data = line.encode(ENCODING)
    if len(data) > MAX_COMMAND_BYTES:
        raise UnsafeArgument(f"AGI command longer than {MAX_COMMAND_BYTES} bytes: {verb}")
    return data


MAX_ARGS = 127  # res_agi.c: MAX_ARGS 128, one slot kept for the terminating NULL


def split_command(line: str) -> list[str]:
    """A command line split into words exactly as res_agi.c's `parse_args` does.

    Spaces and tabs separate words outside quotes; `"` toggles quoting (and starts a word when
    it follows whitespace, so `""` is an empty word); `\\` makes the next character literal.
    """
    words: list[str] = []
    current: list[str] | None = None
    quoted = escaped = False
    for ch in line:
        if ch == '"' and not escaped:
            quoted = not quoted
            if quoted and current is None:
                current = []
                words.append("")
            continue
        if ch in " \t" and not quoted and not escaped:
            if current is not None:
                words[-1] = "".join(current)
                current = None
            continue
        if ch == "\\" and not escaped:
            escaped = True
            continue
        escaped = False
        if current is None:
            if len(words) >= MAX_ARGS:
                continue  # Asterisk logs "Too many arguments, truncating" and drops the rest
            current = []
            words.append("")
        current.append(ch)
    if current is not None:
        words[-1] = "".join(current)
    return words


# --- replies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgiReply:
    """One reply from Asterisk.

    `code` is 200 (command ran), 510 (unknown command), 511 (not permitted on a dead channel)
    or 520 (bad syntax; `usage` holds the usage text Asterisk sent). For 200, `result` is the
    text after `result=` (digits for GET DATA, a number for everything else), `data` the
    parenthesised part (`timeout`, a variable's value) and `endpos` the playback offset.
    """

    code: int
    result: str = ""
    data: str | None = None
    endpos: int | None = None
    message: str = ""
    usage: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.code == 200

    @property
    def result_int(self) -> int:
        """`result` as an integer; raises AgiProtocolError when it is not one."""
        try:
            return int(self.result)
        except ValueError:
            raise AgiProtocolError(
                f"result is not a number: {mask_keys(self.result)!r}") from None


_OK_REPLY = re.compile(r"200 result=(\S*)(?: \((.*)\))?(?: endpos=(-?\d+))?")
_ERROR_REPLY = re.compile(r"(5\d\d) (.*)")
USAGE_START = "520-Invalid command syntax.  Proper usage follows:"
USAGE_END = "520 End of proper usage."


def decode_line(line: bytes) -> str:
    """A reply line as text, without its line ending."""
    return line.decode(ENCODING, errors="replace").rstrip("\r\n")


def parse_reply(line: str) -> AgiReply:
    """A one-line reply (`200 result=1 (timeout) endpos=1234`, `510 Invalid or unknown command`).

    The multi-line 520 usage reply starts with `USAGE_START`; read it with `parse_usage_reply`.
    """
    match = _OK_REPLY.fullmatch(line)
    if match is not None:
        result, data, endpos = match.groups()
        return AgiReply(200, result, data, int(endpos) if endpos is not None else None)
    match = _ERROR_REPLY.fullmatch(line)
    if match is not None:
        return AgiReply(int(match.group(1)), message=match.group(2))
    # A reply can carry what the caller keyed in: its digits are masked (the code stays).
    raise AgiProtocolError(f"malformed AGI reply: {line[:4] + mask_keys(line[4:80])!r}")


def is_usage_start(line: str) -> bool:
    return line == USAGE_START


def parse_usage_reply(lines: Iterable[str]) -> AgiReply:
    """The lines of a 520 usage reply after `USAGE_START`, up to and including `USAGE_END`."""
    usage: list[str] = []
    for line in lines:
        if line == USAGE_END:
            return AgiReply(520, message="Invalid command syntax", usage=tuple(usage))
        usage.append(line)
    raise AgiProtocolError("520 usage reply ended without 'End of proper usage'")


# --- replies as Asterisk writes them (the simulator's side) ----------------------------------


def format_ok(result: str | int, data: str | None = None, endpos: int | None = None) -> str:
    line = f"200 result={result}"
    if data is not None:
        line += f" ({data})"
    if endpos is not None:
        line += f" endpos={endpos}"
    return line + "\n"


REPLY_UNKNOWN = "510 Invalid or unknown command\n"
REPLY_DEAD = "511 Command Not Permitted on a dead channel or intercept routine\n"
REPLY_NO_USAGE = "520 Invalid command syntax.  Proper usage not available.\n"


def format_usage(usage: str) -> str:
    return f"{USAGE_START}\n{usage}\n{USAGE_END}\n"
