"""The simulated PBX's Originate: `Async: true` answered at once, its outcome reported later as
`OriginateResponse` with the caller's ActionID, as main/manager.c does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

from ivr.ami.codec import AmiMessage
from ivr.pbxsim.ami_queues import SimulatedAsterisk
from ivr.pbxsim.ami_wire import respond, wire


def originate(
    pbx: SimulatedAsterisk, w: asyncio.StreamWriter, action: AmiMessage, numbers: Iterator[int]
) -> None:
    channel = action.get("Channel", "")
    if not channel:
        respond(w, action, "Error", "Channel not specified")
        return
    if action.get("Async", "").lower() not in ("true", "yes", "1"):
        respond(
            w,
            action,
            "Success" if pbx.originate_response == "Success" else "Error",
            "Originate successfully queued"
            if pbx.originate_response == "Success"
            else "Originate failed",
        )
        return
    respond(w, action, "Success", "Originate successfully queued")
    ok = pbx.originate_response == "Success"
    number = next(numbers)
    event: dict[str, str] = {
        "Event": "OriginateResponse",
        "Privilege": "call,all",
        "Timestamp": f"{time.time():.6f}",
    }
    if action.action_id:
        event["ActionID"] = action.action_id
    event |= {
        "Response": "Success" if ok else "Failure",
        # The channel's own name once it exists; the requested one when none was made.
        "Channel": channel_name(channel, number) if ok else channel,
    }
    if action.get("Application"):
        event |= {"Application": action.get("Application", ""), "Data": action.get("Data", "")}
    else:
        event |= {"Context": action.get("Context", ""), "Exten": action.get("Exten", "")}
    cid_name, cid_num = parse_callerid(action.get("CallerID", ""))
    event |= {
        "Reason": "4" if ok else "3",  # answered / rang out unanswered
        "Uniqueid": f"{int(time.time())}.{number}" if ok else "<unknown>",
        "CallerIDNum": cid_num or "<unknown>",
        "CallerIDName": cid_name or "<unknown>",
    }
    w.write(wire(event))



def channel_name(requested: str, number: int) -> str:
    """The name Asterisk gives an originated channel: `Local/x@ctx-0000000a;1`, or the
    endpoint's name with a sequence number (`PJSIP/carrier-0000000a` for `PJSIP/123@carrier`)."""
    tech, _, resource = requested.partition("/")
    if tech.lower() == "local":
        return f"{requested}-{number:08x};1"
    return f"{tech}/{resource.rpartition('@')[2]}-{number:08x}"


def parse_callerid(value: str) -> tuple[str, str]:
    """(name, number) from `"Name" <number>`, `Name <number>` or a bare number."""
    if "<" in value and value.rstrip().endswith(">"):
        name, _, number = value.rstrip()[:-1].rpartition("<")
        return name.strip().strip('"'), number.strip()
    return "", value.strip()
