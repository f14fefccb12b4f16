"""AMI for `ivr serve`: the connection and the live state, wired together.

`AmiService.from_settings(settings)` returns None when `IVR_AMI_URL` is empty: the IVR answers calls
without AMI. After every (re)login the state is rebuilt from `QueueStatus`, since events missed
while the link was down are gone for good.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ivr.ami.client import AmiClient, AmiUrl
from ivr.ami.state import HotlineState
from ivr.config import Settings
from ivr.services.queue_records import CallRecord

log = logging.getLogger(__name__)


class AmiService:
    def __init__(self, client_url: str | AmiUrl, state: HotlineState, **client_options: float):
        self.state = state
        self.client = AmiClient(
            client_url, on_event=state.feed, on_login=self._resync, **client_options
        )

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        on_call_finished: Callable[[CallRecord], None] | None = None,
        wrapup_seconds: float = 10.0,
    ) -> AmiService | None:
        if not settings.ami_url:
            return None
        state = HotlineState(
            ring_seconds=settings.ring_seconds,
            wrapup_seconds=wrapup_seconds,
            on_call_finished=on_call_finished,
        )
        return cls(AmiUrl.parse(settings.ami_url), state)

    @property
    def is_up(self) -> bool:
        return self.client.is_up

    def start(self) -> None:
        self.client.start()

    async def close(self) -> None:
        await self.client.close()

    async def _resync(self, client: AmiClient) -> None:
        events = await client.queue_status()
        self.state.begin_resync()
        for event in events:
            self.state.feed(event)
        log.info("AMI state resynchronised from %d QueueStatus entries", len(events))
