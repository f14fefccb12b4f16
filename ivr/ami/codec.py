"""The Asterisk Manager Interface wire format, without I/O.

An AMI message is a block of `Key: Value` lines ending in CRLF, closed by an empty line. A key may
repeat (`Variable:` on Originate, `Output:` on Command responses); the legacy `Response: Follows`
carries raw body lines closed by `--END COMMAND--`. The session opens with one banner line,
`Asterisk Call Manager/<version>`, that is not a message.

A value sent to Asterisk must never contain CR or LF: the line break would end the header and the
rest would be read as a second header (or a second action). `encode` refuses such values, so a
caller id like "x\\r\\nAction: Originate" cannot inject anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TypeAlias

EOL = b"\r\n"
END = b"\r\n\r\n"
BANNER_PREFIX = "Asterisk Call Manager/"
END_COMMAND = "--END COMMAND--"
MAX_MESSAGE_BYTES = 1 << 20  # a big QueueStatus entry is large, never a megabyte
_FOLLOWS_HEADERS = frozenset({"response", "privilege", "actionid", "message"})

HeaderValue: TypeAlias = str | int | Sequence[str]
Headers: TypeAlias = Mapping[str, HeaderValue] | Iterable[tuple[str, str]]


class UnsafeHeaderValue(ValueError):
    """A header name or value would break the AMI framing (CR, LF, or a bad name)."""


class AmiProtocolError(ValueError):
    """Bytes from the peer that are not an AMI message."""


class AmiMessage(Mapping[str, str]):
    """One decoded message. Lookups ignore case (Asterisk's own `astman_get_header` does);
    `msg[key]` is the first value, `get_all(key)` every value in order."""

    __slots__ = ("_index", "_items", "body")

    def __init__(self, items: Iterable[tuple[str, str]], body: Sequence[str] = ()) -> None:
        self._items: tuple[tuple[str, str], ...] = tuple(items)
        self._index: dict[str, str] = {}
        for key, value in self._items:
            self._index.setdefault(key.lower(), value)
        self.body: tuple[str, ...] = tuple(body)

    def __getitem__(self, key: str) -> str:
        return self._index[key.lower()]

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for key, _ in self._items:
            if key.lower() not in seen:
                seen.add(key.lower())
                yield key

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._index

    def get_all(self, key: str) -> list[str]:
        lower = key.lower()
        return [v for k, v in self._items if k.lower() == lower]

    @property
    def items_in_order(self) -> tuple[tuple[str, str], ...]:
        return self._items

    @property
    def event(self) -> str | None:
        return self._index.get("event")

    @property
    def response(self) -> str | None:
        return self._index.get("response")

    @property
    def action_id(self) -> str | None:
        return self._index.get("actionid")

    def __repr__(self) -> str:
        return f"AmiMessage({list(self._items)!r}, body={list(self.body)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AmiMessage):
            return self._items == other._items and self.body == other.body
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


def check_header(key: str, value: str) -> None:
    """Raise `UnsafeHeaderValue` unless `key: value` is exactly one safe AMI header line."""
    if not key or "\r" in key or "\n" in key or ":" in key or key != key.strip():
        raise UnsafeHeaderValue(f"invalid AMI header name {key!r}")
    if "\r" in value or "\n" in value:
        raise UnsafeHeaderValue(f"AMI header {key!r}: value contains CR or LF")


def header_items(headers: Headers) -> list[tuple[str, str]]:
    """Flatten a mapping (list values become repeated headers) and check every line."""
    pairs: list[tuple[str, str]] = []
    source = headers.items() if isinstance(headers, Mapping) else headers
    for key, value in source:
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            text = str(item)
            check_header(key, text)
            pairs.append((key, text))
    return pairs


def encode(headers: Headers) -> bytes:
    """One message on the wire. Raises `UnsafeHeaderValue` before producing any byte."""
    pairs = header_items(headers)
    if not pairs:
        raise UnsafeHeaderValue("an AMI message needs at least one header")
    return b"".join(f"{k}: {v}".encode() + EOL for k, v in pairs) + EOL


def decode(block: bytes) -> AmiMessage:
    """One message from its bytes (with or without the closing empty line)."""
    text = block.decode("utf-8", errors="replace")
    items: list[tuple[str, str]] = []
    body: list[str] = []
    follows = False
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line or line == END_COMMAND:
            continue
        key, sep, value = line.partition(":")
        is_header = bool(sep and key and " " not in key and not body)
        if is_header and follows and key.lower() not in _FOLLOWS_HEADERS:
            is_header = False  # command output that merely looks like `Name: value`
        if is_header:
            value = value[1:] if value.startswith(" ") else value
            items.append((key, value))
            follows = follows or (key.lower() == "response" and value == "Follows")
        elif items:
            body.append(line)  # raw output after `Response: Follows`
        else:
            raise AmiProtocolError(f"not an AMI header line: {line[:80]!r}")
    if not items:
        raise AmiProtocolError("empty AMI message")
    return AmiMessage(items, body)


def parse_banner(line: bytes) -> str:
    """The protocol version from the greeting line, or `AmiProtocolError`."""
    text = line.decode("utf-8", errors="replace").strip()
    if not text.startswith(BANNER_PREFIX):
        raise AmiProtocolError(f"not an Asterisk Call Manager banner: {text[:80]!r}")
    return text[len(BANNER_PREFIX) :]


class MessageReader:
    """Splits a byte stream into messages; feed it whatever the socket returned."""

    def __init__(self, *, expect_banner: bool = False, limit: int = MAX_MESSAGE_BYTES) -> None:
        self._buffer = b""
        self._limit = limit
        self.banner: str | None = None
        self._expect_banner = expect_banner

    @property
    def buffered(self) -> int:
        """Bytes of a message begun but not yet complete (non-zero at EOF: a torn message)."""
        return len(self._buffer.strip())

    def feed(self, data: bytes) -> list[AmiMessage]:
        self._buffer += data
        out: list[AmiMessage] = []
        if self._expect_banner and self.banner is None:
            line, sep, rest = self._buffer.partition(EOL)
            if not sep:
                self._check_size()
                return out
            self.banner = parse_banner(line)
            self._buffer = rest
        while True:
            block, sep, rest = self._buffer.partition(END)
            if not sep:
                break
            self._buffer = rest
            if block.strip():
                out.append(decode(block))
        self._check_size()
        return out

    def _check_size(self) -> None:
        if len(self._buffer) > self._limit:
            raise AmiProtocolError(f"AMI message longer than {self._limit} bytes")
