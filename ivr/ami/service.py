"""AMI for `ivr serve`: the connection and the live state, wired together; the staff API's
`LivePbx` (ivr.services.pbx).

`AmiService.from_settings(settings)` returns None when `IVR_AMI_URL` is empty: the IVR answers calls
without AMI. After every (re)login the state is checked against what Asterisk has now, since
events missed while the link was down are gone for good: `CoreShowChannels` (calls that ended
meanwhile are closed, calls that began meanwhile are taken up) and `QueueStatus` (members and
waiting callers rebuilt).

Each IVR process keeps its own manager session and its own state: the live state serves that
process's calls (waits spoken from it), pages and dialer (its Originates' responses), and a
process needs nothing from another to do so. Asterisk sends every session every event, so all
processes see the same PBX; reconciling after each reconnect keeps each one right on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from ivr.ami import agent_control
from ivr.ami.agents_conf import AgentSeat
from ivr.ami.client import AmiActionError, AmiClient, AmiUrl
from ivr.ami.state import HotlineState
from ivr.config import Settings
from ivr.services.agents import AgentInfo
from ivr.services.pbx import AgentView, Membership, PbxListener, PbxUnavailable, QueueView
from ivr.services.queue_records import CallRecord

log = logging.getLogger(__name__)
_T = TypeVar("_T")


class AmiService:
    def __init__(self, client_url: str | AmiUrl, state: HotlineState, **client_options: float):
        self.state = state
        self.client = AmiClient(
            client_url, on_event=self._feed, on_login=self._resync, **client_options
        )
        self.listeners: list[Callable[[Mapping[str, Any]], None]] = []  # e.g. the dialer's
        self.resyncs = 0  # state rebuilt from the PBX's lists after each login
        self.resync_refused: str | None = None  # why the PBX refused the lists (manager.conf)

    def _feed(self, event: Mapping[str, Any]) -> None:
        self.state.feed(event)
        for listener in self.listeners:
            listener(event)

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

    # -- LivePbx ------------------------------------------------------------------------------

    def queue_views(self, names: Sequence[str] = ()) -> list[QueueView]:
        return self.state.queue_views(tuple(names))

    def agent_views(self) -> list[AgentView]:
        return self.state.agent_views()

    def subscribe(self, listener: PbxListener) -> Callable[[], None]:
        return self.state.subscribe(listener)

    async def log_in(self, agent: AgentInfo) -> list[Membership]:
        return await _in_time(agent_control.log_in(self.client, _seat(agent)))

    async def log_out(self, agent: AgentInfo) -> list[str]:
        live = self.state.agents.get(_seat(agent).interface)
        queues = live.queues if live else ()
        return await _in_time(agent_control.log_out(self.client, _seat(agent), queues))

    async def set_paused(self, agent: AgentInfo, paused: bool, reason: str = "") -> None:
        await _in_time(agent_control.set_paused(self.client, _seat(agent), paused, reason))

    async def _resync(self, client: AmiClient) -> None:
        try:
            await self._read_state(client)
        except AmiActionError as exc:
            if "permission" not in exc.message.lower():
                raise  # anything else: the supervisor drops the link and tries again
            # A configuration fault, not a passing one: reconnecting would meet it again
            # every few seconds for ever. The link stays up (the live events still count);
            # what happened while it was down is not read back until manager.conf is fixed.
            self.resync_refused = exc.message
            log.error("AMI user %r may not run %s (%s): grant it the `reporting` class for "
                      "read and write in manager.conf (asterisk-conf/manager-ivr.conf); until "
                      "then the wallboard's state is not checked after a reconnect",
                      client.url.username, exc.action, exc.message)

    async def _read_state(self, client: AmiClient) -> None:
        self.resync_refused = None
        asked_at = self.state.fed
        channels = await client.core_show_channels()
        ended = self.state.reconcile(channels, asked_at)
        events = await client.queue_status()
        self.state.begin_resync()
        for event in events:
            self.state.feed(event)
        self.resyncs += 1
        log.info("AMI state resynchronised: %d channels (%d calls ended while the link was "
                 "down), %d QueueStatus entries", len(channels), len(ended), len(events))


def _seat(info: AgentInfo) -> AgentSeat:
    return AgentSeat(info.agent, info.name, info.extension, tuple(info.ranked_skills))


async def _in_time(action: Awaitable[_T]) -> _T:
    """An action Asterisk did not answer within the client's deadline counts as a lost link."""
    try:
        return await action
    except TimeoutError as exc:
        raise PbxUnavailable("Asterisk did not answer in time") from exc
