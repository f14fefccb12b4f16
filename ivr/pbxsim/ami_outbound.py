"""The simulated trunk for outbound calls: each Originate rings the number for a while, then is
answered, busy, congested, failed or rings out, as `plan(number)` says; `OriginateResponse`
carries the outcome as Asterisk's `Reason` (the last control frame: 4 answer, 3 ringing, 5 busy,
8 congestion, 0 failure), and an answered call later hangs up (`Hangup` with its Uniqueid).

It keeps what a pacing check needs: every Originate's arrival time, and the calls in progress
at once (from the action until the outcome, or until the Hangup of an answered call).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ivr.ami.codec import AmiMessage
from ivr.asterisk_names import AGI_HOSTS_CONTEXT, OUTBOUND_CONTEXT
from ivr.pbxsim.amd import AmdParams, CalleeAudio, person_saying_hello
from ivr.pbxsim.ami_originate import channel_name, parse_callerid
from ivr.pbxsim.call import simulate_call
from ivr.pbxsim.config import PbxConfig
from ivr.pbxsim.transcript import CallTranscript


@dataclass(frozen=True)
class Answer:
    """What the far end does: `result` one of answered, no_answer, busy, congestion, failed."""

    result: str = "answered"
    after: float = 0.05  # seconds of ringing (or until busy/congestion)
    talk: float = 0.05  # seconds an answered call lasts (without an IVR to talk to)
    keys: tuple[str | None, ...] = ()  # what the person answers to the IVR's prompts
    # What is heard on answering (AMD listens to it): a person's hello, a recorded greeting.
    audio: CalleeAudio = field(default_factory=person_saying_hello)


REASON = {"answered": "4", "no_answer": "3", "busy": "5", "congestion": "8", "failed": "0"}


@dataclass
class OutboundTrunk:
    plan: Callable[[str], Answer] = lambda number: Answer()
    arrivals: list[float] = field(default_factory=list)  # monotonic time of each Originate
    numbers: list[str] = field(default_factory=list)  # the number of each Originate, in order
    in_progress: int = 0
    max_in_progress: int = 0
    # Set: an answered call enters the IVR over FastAGI from the outbound context, with the
    # Originate's variables on its channel, as `[hotline-outbound]` does.
    agi: tuple[str, int] | None = None
    transcripts: list[CallTranscript] = field(default_factory=list)
    amd: AmdParams = field(default_factory=AmdParams)  # as asterisk-conf/amd.conf sets them
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def max_per_second(self) -> int:
        """The most Originates that arrived within any one-second span."""
        best, start = 0, 0
        for end, at in enumerate(self.arrivals):
            while at - self.arrivals[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    async def close(self) -> None:
        """Hang up every call still ringing or talking (the simulator stops)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def place(self, action: AmiMessage, sequence: int,
              emit: Callable[[Mapping[str, str]], None]) -> None:
        self.arrivals.append(time.monotonic())
        channel = action.get("Channel", "")
        number = channel.partition("/")[2].partition("@")[0]
        self.numbers.append(number)
        self.in_progress += 1
        self.max_in_progress = max(self.max_in_progress, self.in_progress)
        task = asyncio.create_task(self._call(action, number, sequence, emit))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _call(self, action: AmiMessage, number: str, sequence: int,
                    emit: Callable[[Mapping[str, str]], None]) -> None:
        answer = self.plan(number)
        timeout = float(action.get("Timeout", "30000") or 30000) / 1000
        result = answer.result
        if result == "answered" and answer.after > timeout:
            result = "no_answer"  # rang out before anyone picked up
        try:
            await asyncio.sleep(min(answer.after, timeout))
            ok = result == "answered"
            uniqueid = f"{int(time.time())}.{sequence}"
            cid_name, cid_num = parse_callerid(action.get("CallerID", ""))
            event = {"Event": "OriginateResponse", "Privilege": "call,all"}
            if action.action_id:
                event["ActionID"] = action.action_id
            event |= {
                "Response": "Success" if ok else "Failure",
                "Channel": channel_name(action.get("Channel", ""), sequence) if ok
                else action.get("Channel", ""),
                "Context": action.get("Context", ""), "Exten": action.get("Exten", ""),
                "Reason": REASON[result],
                "Uniqueid": uniqueid if ok else "<unknown>",
                "CallerIDNum": cid_num or "<unknown>", "CallerIDName": cid_name or "<unknown>",
            }
            emit(event)
            if ok and self.agi is not None:
                variables = dict(v.partition("=")[::2] for v in action.get_all("Variable"))
                self.transcripts.append(await simulate_call(
                    *self.agi, script="outbound", caller=cid_num or None,
                    responses=answer.keys, variables=variables,
                    config=_agi_config(action, callee_audio=answer.audio, amd=self.amd)))
            elif ok:
                await asyncio.sleep(answer.talk)
            if ok:
                emit({"Event": "Hangup", "Privilege": "call,all",
                      "Channel": event["Channel"], "Uniqueid": uniqueid,
                      "Cause": "16", "Cause-txt": "Normal Clearing"})
        finally:
            self.in_progress -= 1


def _agi_config(action: AmiMessage, **more: Any) -> PbxConfig:
    """Where the answered call's AGI() runs: `[hotline-outbound]` calls it inside
    `Gosub(hotline-agi,s,1(outbound))`, so res_agi sends that context and extension."""
    if action.get("Context", "") == OUTBOUND_CONTEXT:
        return PbxConfig(context=AGI_HOSTS_CONTEXT, extension="s", **more)
    return PbxConfig(context=action.get("Context", ""), extension=action.get("Exten", ""),
                     **more)
