"""One TCP connection to Asterisk's AMI: actions out, the stream read back with the project's codec.

Every action carries an `ActionID`; a message whose ActionID belongs to an action in flight is
that action's response (a `Response:`, then for an event list the events up to
`EventList: Complete`). Everything else with an `Event:` goes to `on_event`, in stream order,
including events that merely share an ActionID (an `OriginateResponse` after its `Response`).
A response nobody waits for (the action timed out, or the ActionID is not ours) is dropped.

The stream is split into messages on bytes and each message decoded whole, so a UTF-8 character
(a Chinese caller name) cut across two TCP reads arrives intact. When the stream ends, even in
the middle of a message, every action in flight fails with `AmiNotConnected` at once: none is
re-sent on a later connection (an `Originate` sent twice would ring a customer twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ivr.ami.codec import AmiMessage, AmiProtocolError, MessageReader, encode
from ivr.services.pbx import PbxUnavailable

log = logging.getLogger(__name__)

EventSink = Callable[[Mapping[str, Any]], None]
READ_CHUNK = 65536


class AmiNotConnected(PbxUnavailable):
    """No logged-in AMI session (or it was lost while the action was in flight)."""


@dataclass
class _Pending:
    future: asyncio.Future[list[AmiMessage]]
    as_list: bool
    messages: list[AmiMessage] = field(default_factory=list)

    def take(self, message: AmiMessage) -> bool:
        """Whether `message` belongs to this action; completes the future with the last one."""
        if not self.messages:
            if message.response is None or message.event is not None:
                return False  # an event sharing the ActionID (OriginateResponse has `Response:`)
            self.messages.append(message)
            listing = self.as_list and message.get("EventList", "").lower() == "start"
            if not listing:
                self.future.set_result(self.messages)
            return True
        if message.event is None:
            return False
        self.messages.append(message)
        if message.get("EventList", "").lower() == "complete":
            self.future.set_result(self.messages)
        return True


class AmiConnection:
    """Reads in a task of its own from construction until the stream ends or `abort()`."""

    _numbers = itertools.count(1)

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        on_event: EventSink,
    ) -> None:
        self._reader, self._writer = reader, writer
        self._on_event = on_event
        self._parser = MessageReader(expect_banner=True)
        self._pending: dict[str, _Pending] = {}
        self._prefix = f"ivr-{next(self._numbers)}-"
        self._ids = itertools.count(1)
        self._closing = False
        self._task = asyncio.create_task(self._read(), name="ami-reader")

    @classmethod
    async def open(cls, host: str, port: int, on_event: EventSink) -> AmiConnection:
        """Cancelling this (a connect timeout) closes a half-made socket: no session lingers."""
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, on_event)

    @property
    def banner(self) -> str | None:
        """The protocol version from Asterisk's greeting, once it has arrived."""
        return self._parser.banner

    @property
    def is_open(self) -> bool:
        return not self._task.done()

    async def wait_closed(self) -> None:
        """Until the stream has ended (by EOF, an error or `abort()`)."""
        await asyncio.shield(self._task)

    def abort(self) -> None:
        """Drop the link at once (a half-dead peer): the reader sees the end and fails the rest."""
        self._writer.transport.abort()

    async def close(self) -> None:
        self._closing = True
        self._writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()
        self._task.cancel()
        await asyncio.wait([self._task])

    async def request(
        self, pairs: list[tuple[str, str]], *, as_list: bool = False
    ) -> list[AmiMessage]:
        """Send one action (headers already checked) and wait for its messages: the response,
        and with `as_list` the events of its list. An `ActionID` among `pairs` is kept."""
        if not self.is_open:
            raise AmiNotConnected("AMI is not connected")
        action_id = next((v for k, v in pairs if k.lower() == "actionid"), None)
        if action_id is None:
            action_id = f"{self._prefix}{next(self._ids)}"
            pairs = [*pairs, ("ActionID", action_id)]
        elif action_id in self._pending:
            raise ValueError(f"ActionID {action_id!r} is already in flight")
        pending = _Pending(asyncio.get_running_loop().create_future(), as_list)
        self._pending[action_id] = pending
        try:
            self._writer.write(encode(pairs))
            await self._writer.drain()
            return await pending.future
        except ConnectionError as exc:
            raise AmiNotConnected(f"AMI link lost: {exc}") from exc
        finally:  # answered, failed or given up on (a timeout): a late reply finds no one
            self._pending.pop(action_id, None)

    async def _read(self) -> None:
        reason = "closed by Asterisk"
        try:
            while data := await self._reader.read(READ_CHUNK):
                for message in self._parser.feed(data):
                    self._route(message)
            if self._closing:
                reason = "closed by the IVR"
            elif self._parser.buffered:
                reason = f"closed in the middle of a message ({self._parser.buffered} bytes lost)"
        except (OSError, AmiProtocolError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
        finally:
            for pending in self._pending.values():
                if not pending.future.done():
                    pending.future.set_exception(AmiNotConnected(f"AMI link lost: {reason}"))
            self._writer.close()
        log.info("AMI stream ended: %s", reason)

    def _route(self, message: AmiMessage) -> None:
        action_id = message.action_id
        pending = self._pending.get(action_id) if action_id is not None else None
        if pending is not None and not pending.future.done() and pending.take(message):
            return
        if message.event is None:
            log.warning("AMI response for no action in flight (ActionID %r) dropped", action_id)
            return
        try:
            self._on_event(message)
        except Exception:  # one bad event must not stop the stream
            log.exception("AMI event handler failed on %s", message.event)
