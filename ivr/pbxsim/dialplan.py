"""The dialplan's part of an inbound call, as asterisk-conf/extensions.conf plays it.

`[hotline-ivr]` runs `Gosub(hotline-agi,s,1(hotline))`, which tries the IVR processes of
`IVR_AGI_HOSTS` in turn from a random first one. For each, res_agi (Asterisk 22, res/res_agi.c):
- `launch_netscript` connects, waiting at most `MAX_AGI_CONNECT` (2000 ms); refused or no answer
  is `AGISTATUS=FAILURE` and the loop moves to the next process;
- once connected, `run_agi` reads commands until the connection closes; a process that dies
  mid-call closes it like one that finished (`AGISTATUS=SUCCESS`), so the loop reads the IVR's
  own `IVR_DONE=yes` to tell them apart: without it, a channel still ringing (the IVR never
  answered) moves on to the next process, an answered one returns `lost`;
- a channel hung up during AGI() ends the dialplan there.
`lost` and `none` (nobody took the call) send the caller to the fallback path: Answer, the
apology, the `general` queue. `call_hotline` does the same against FastAGI servers on real
ports, with one channel (one unique id, one caller, its variables) across the tries.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ivr.asterisk_names import (
    AGI_HOSTS_CONTEXT,
    AGI_HOSTS_SEPARATOR,
    AGI_SCRIPT,
    FALLBACK_QUEUE,
    VAR_DONE,
    VAR_DONE_VALUE,
    asterisk_queue,
)
from ivr.pbxsim.call import new_channel, simulate_call
from ivr.pbxsim.caller import Caller, Response
from ivr.pbxsim.config import PbxConfig
from ivr.pbxsim.transcript import CallTranscript, EndReason, Event

AGI_CONNECT_TIMEOUT = 2.0  # res_agi.c MAX_AGI_CONNECT, 2000 ms
AGI_PORT = 4573  # res_agi.c AGI_PORT: the port of a host given without one
FALLBACK_PROMPT = "hotline/fallback-apology"  # extensions.conf IVR_FALLBACK_PROMPT


class Outcome(StrEnum):
    DONE = "done"  # an IVR process finished the call (IVR_DONE=yes)
    LOST = "lost"  # the process that answered went away mid-call: fallback
    NONE = "none"  # no process took the call: fallback
    GONE = "gone"  # the channel was hung up inside AGI() (caller, IVR, Queue): the dialplan ends
    SILENT = "silent"  # a process holds the call and sends nothing (the simulator gave up)


@dataclass
class DialplanCall:
    uniqueid: str
    tries: list[tuple[str, CallTranscript]] = field(default_factory=list)  # host, what happened
    outcome: Outcome = Outcome.NONE
    fallback: list[str] = field(default_factory=list)  # applications the fallback path ran

    @property
    def finished(self) -> bool:
        """The IVR saw the call to its end: it hung up, or handed it back done."""
        return self.outcome in (Outcome.DONE, Outcome.GONE)

    @property
    def served_by(self) -> str | None:
        """The host whose IVR took the call (the last one connected), or None."""
        for host, transcript in reversed(self.tries):
            if transcript.ended is not EndReason.CONNECT_FAILED:
                return host
        return None

    @property
    def transcript(self) -> CallTranscript | None:
        """What the IVR that took the call did (None when none did)."""
        host = self.served_by
        return next((t for h, t in reversed(self.tries) if h == host), None)


def parse_agi_hosts(value: str) -> list[str]:
    """`IVR_AGI_HOSTS` as `FIELDQTY`/`CUT` split it: `host[:port]` entries joined by `&`."""
    hosts = []
    for entry in value.split(AGI_HOSTS_SEPARATOR):
        entry = entry.strip()
        if not entry:
            raise ValueError(f"IVR_AGI_HOSTS: empty entry in {value!r}")
        host, sep, port = entry.rpartition(":")
        if not sep:
            host, port = entry, str(AGI_PORT)
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"IVR_AGI_HOSTS: {entry!r} is not host:port")
        hosts.append(f"{host}:{int(port)}")
    return hosts


async def call_hotline(
    hosts: Sequence[str],
    *,
    first: int | None = None,
    script: str = AGI_SCRIPT,
    caller: str | None = "+8613800138000",
    responses: Sequence[str | Response | None] = (),
    caller_model: Caller | None = None,
    config: PbxConfig | None = None,
    hangup_after: int | None = None,
    observer: Callable[[Event], None] | None = None,
    choose: Callable[[int], int] = random.randrange,
) -> DialplanCall:
    """One inbound call through `[hotline-ivr]` and `[hotline-agi]`. `first`: the index of the
    host tried first (the dialplan's `RAND`; `choose(len(hosts))` when not given)."""
    if not hosts:
        raise ValueError("no FastAGI hosts")
    # AGI() runs inside [hotline-agi], so res_agi sends that context and extension.
    config = config or PbxConfig(context=AGI_HOSTS_CONTEXT, extension="s")
    # Asterisk gives up on a connect after MAX_AGI_CONNECT, whatever the simulator's default.
    config = replace(config, connect_timeout=min(config.connect_timeout, AGI_CONNECT_TIMEOUT))
    model = caller_model or Caller(responses)
    channel = new_channel(config)
    call = DialplanCall(uniqueid=channel[0])
    start = choose(len(hosts)) if first is None else first
    variables: dict[str, str] = {}
    for attempt in range(len(hosts)):
        host = hosts[(start + attempt) % len(hosts)]
        address, _, port = host.rpartition(":")
        transcript = await simulate_call(
            address, int(port), script=script, caller=caller, caller_model=model,
            config=config, hangup_after=hangup_after, observer=observer,
            variables=variables, channel=channel)
        call.tries.append((host, transcript))
        variables |= transcript.variables  # channel variables outlive one AGI()
        call.outcome = _after_agi(transcript, variables)
        if call.outcome is not Outcome.NONE:
            break
    if call.outcome in (Outcome.LOST, Outcome.NONE):
        call.fallback = ["Answer()", f"Playback({FALLBACK_PROMPT})",
                         f"Queue({asterisk_queue(FALLBACK_QUEUE)})"]
    return call


def _after_agi(transcript: CallTranscript, variables: dict[str, str]) -> Outcome:
    """What `[hotline-agi]` does once AGI() returns; NONE: try the next host."""
    if transcript.ended in (EndReason.CALLER_HUNG_UP, EndReason.IVR_HUNG_UP,
                            EndReason.APPLICATION_ENDED):
        return Outcome.GONE
    if transcript.ended is EndReason.IVR_SILENT:
        return Outcome.SILENT
    if variables.get(VAR_DONE) == VAR_DONE_VALUE:
        return Outcome.DONE
    if transcript.ended is EndReason.CONNECT_FAILED or not transcript.answered:
        return Outcome.NONE
    return Outcome.LOST
