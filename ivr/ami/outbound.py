"""Outbound calls over AMI: the `Originator` the dialer uses (ivr.services.outbound).

Each call is an `Originate` with `Async: true` and the attempt's ActionID; the PBX answers the
action at once and reports the outcome later as `OriginateResponse` with that ActionID (its
`Reason` is the last control frame seen: 4 answered, 3 rang out, 5 busy, 8 congestion, 0 or 1
failed). An answered call is sent to the `hotline-outbound` context, where FastAGI takes over;
its `Hangup` frees the channel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from ivr.ami.client import AmiClient
from ivr.asterisk_names import OUTBOUND_CONTEXT
from ivr.db.enums import AttemptResult
from ivr.services.outbound import OriginateOutcome, OriginateRequest

log = logging.getLogger(__name__)

OUTBOUND_EXTEN = "survey"
REASONS = {"4": AttemptResult.ANSWERED, "3": AttemptResult.NO_ANSWER,
           "5": AttemptResult.BUSY, "8": AttemptResult.CONGESTION, "1": AttemptResult.NO_ANSWER,
           "0": AttemptResult.FAILED}


class AmiOriginator:
    def __init__(self, client: AmiClient, *, dial_template: str, max_channels: int) -> None:
        self._client = client
        self._template = dial_template
        self._max = max_channels
        self._sink: Callable[[OriginateOutcome], None] | None = None
        self._answered: dict[str, str] = {}  # uniqueid -> action id, until its Hangup

    @property
    def is_up(self) -> bool:
        return self._client.is_up

    @property
    def max_channels(self) -> int:
        return self._max

    def on_outcome(self, sink: Callable[[OriginateOutcome], None]) -> None:
        self._sink = sink

    async def originate(self, request: OriginateRequest) -> None:
        await self._client.originate(
            self._template.format(number=request.number),
            context=OUTBOUND_CONTEXT, exten=OUTBOUND_EXTEN,
            ring_seconds=request.ring_seconds,
            caller_id=request.caller_id or None,
            variables=dict(request.variables),
            action_id=request.action_id,
        )

    def feed(self, event: Mapping[str, Any]) -> None:
        """Every AMI event passes here; OriginateResponse and Hangup of ours are used."""
        name = str(event.get("Event", "")).lower()
        if name == "originateresponse":
            action_id = str(event.get("ActionID", ""))
            if not action_id.startswith("dial-"):
                return  # not the dialer's (a customer-manager call, say)
            ok = str(event.get("Response", "")).lower() == "success"
            reason = str(event.get("Reason", "0"))
            result = AttemptResult.ANSWERED if ok else REASONS.get(reason, AttemptResult.FAILED)
            uniqueid = str(event.get("Uniqueid", "")) or None
            if result == AttemptResult.ANSWERED and uniqueid:
                self._answered[uniqueid] = action_id
            self._emit(OriginateOutcome(action_id, result, uniqueid, f"reason {reason}"))
        elif name == "hangup":
            action_id = self._answered.pop(str(event.get("Uniqueid", "")), "")
            if action_id:
                self._emit(OriginateOutcome(action_id, AttemptResult.ANSWERED,
                                            str(event.get("Uniqueid")),
                                            str(event.get("Cause-txt", "")), hangup=True))

    def _emit(self, outcome: OriginateOutcome) -> None:
        if self._sink is not None:
            self._sink(outcome)
