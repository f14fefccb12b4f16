"""The AMI simulator's bytes, laid out as Asterisk writes them: where `ActionID` and `Timestamp`
go in a message, and recorded streams read back from fixture files."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from pathlib import Path

from ivr.ami.codec import AmiMessage, decode, encode


def read_recording(path: Path) -> list[AmiMessage]:
    """The messages of a recorded event stream (AMI text; LF or CRLF line ends)."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    return [decode(b.encode()) for b in blocks]


def wire(message: Mapping[str, str] | AmiMessage) -> bytes:
    if isinstance(message, AmiMessage):
        return encode(message.items_in_order)
    return encode(message)


def with_id(action: AmiMessage, headers: dict[str, str]) -> dict[str, str]:
    """Asterisk puts the ActionID right after `Response:` (or `Event:`)."""
    first, *rest = headers.items()
    out = dict([first])
    if action.action_id:
        out["ActionID"] = action.action_id
    out.update(rest)
    return out


def respond(w: asyncio.StreamWriter, action: AmiMessage, response: str, message: str) -> None:
    w.write(wire(with_id(action, {"Response": response, "Message": message})))


def stamped(event: Mapping[str, str]) -> dict[str, str]:
    """`Timestamp` where `timestampevents = yes` puts it: after `Privilege` (or `Event`)."""
    out: dict[str, str] = {}
    stamp = f"{time.time():.6f}"
    for key, value in event.items():
        if key == "Timestamp":
            continue
        out[key] = value
        if key == "Privilege" or (key == "Event" and "Privilege" not in event):
            out["Timestamp"] = stamp
    return out


def id_last(action: AmiMessage, headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "ActionID": action.action_id} if action.action_id else headers
