"""The IVR's Asterisk Manager connection: one logged-in session, kept up.

The wire is `ivr.ami.connection` (the project's codec, responses matched by `ActionID`); this
module adds what a hotline needs around it:
- `IVR_AMI_URL` (`ami://user:secret@host:5038`) parsed and checked at start-up;
- one supervisor task that connects (within `connect_timeout`), logs in, and after any loss or
  a refused login reconnects with exponential backoff;
- a `Ping` every `ping_interval` that must be answered within `ping_timeout`, so a half-dead link
  (Asterisk hung, a NAT dropped the flow, the socket still open) is noticed and replaced;
- every action checked for CR/LF in names and values *before* anything is written, so caller
  data can never become a second header or action;
- actions in flight when the link drops fail with `AmiNotConnected` and are never re-sent.

The IVR answers calls without AMI: nothing here blocks start-up, and `is_up` says how things are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ivr.ami.codec import AmiMessage, HeaderValue, UnsafeHeaderValue, header_items
from ivr.ami.connection import AmiConnection, AmiNotConnected, EventSink
from ivr.asterisk_names import ASTERISK_QUEUES
from ivr.services.pbx import PbxRefused

log = logging.getLogger(__name__)

LoginHook = Callable[["AmiClient"], Awaitable[None]]


class AmiUrlError(ValueError):
    """IVR_AMI_URL is malformed; the message says how."""


class AmiActionError(PbxRefused):
    """Asterisk answered an action with `Response: Error`."""


@dataclass(frozen=True)
class AmiUrl:
    username: str
    secret: str
    host: str
    port: int = 5038

    @classmethod
    def parse(cls, url: str) -> AmiUrl:
        try:
            parts = urlsplit(url)
            port = parts.port or 5038
        except ValueError as exc:
            raise AmiUrlError(f"IVR_AMI_URL: {exc}") from None
        if parts.scheme != "ami":
            raise AmiUrlError("IVR_AMI_URL: expected ami://USER:SECRET@HOST:PORT")
        if not parts.username or parts.password is None or not parts.hostname:
            raise AmiUrlError("IVR_AMI_URL: user, secret and host are all required")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise AmiUrlError("IVR_AMI_URL: nothing may follow HOST:PORT")
        url_ = cls(unquote(parts.username), unquote(parts.password), parts.hostname, port)
        try:
            header_items({"Username": url_.username, "Secret": url_.secret})
        except ValueError:
            raise AmiUrlError("IVR_AMI_URL: user or secret contains a line break") from None
        return url_

    def __repr__(self) -> str:  # never log the secret
        return f"AmiUrl(ami://{self.username}:***@{self.host}:{self.port})"


class AmiClient:
    def __init__(
        self,
        url: str | AmiUrl,
        *,
        on_event: EventSink | None = None,
        on_login: LoginHook | None = None,
        ping_interval: float = 10.0,
        ping_timeout: float = 5.0,
        action_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
    ) -> None:
        self.url = url if isinstance(url, AmiUrl) else AmiUrl.parse(url)
        self.on_event = on_event
        self.on_login = on_login
        self.ping_interval, self.ping_timeout = ping_interval, ping_timeout
        self.action_timeout, self.connect_timeout = action_timeout, connect_timeout
        self.backoff_initial, self.backoff_max = backoff_initial, backoff_max
        self.connects = 0  # successful logins, for health pages and tests
        self._conn: AmiConnection | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._up = asyncio.Event()
        self._closing = False

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def is_up(self) -> bool:
        return self._up.is_set()

    def start(self) -> None:
        """Begin connecting in the background; returns at once."""
        if self._supervisor is None:
            self._supervisor = asyncio.create_task(self._supervise(), name="ami-supervisor")

    async def wait_up(self, within: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._up.wait(), within)
        return self.is_up

    async def close(self) -> None:
        self._closing = True
        task, self._supervisor = self._supervisor, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])  # its CancelledError stays inside; ours would not
        await self._teardown()

    async def _supervise(self) -> None:
        delay = self.backoff_initial
        while True:
            try:
                if await self._session():
                    delay = self.backoff_initial  # we were logged in: start the backoff afresh
            except (OSError, TimeoutError, AmiActionError) as exc:
                log.warning("AMI %s:%s: %s", self.url.host, self.url.port, exc)
            except Exception:
                # Whatever went wrong in this session, the link must come back.
                log.exception("AMI %s:%s: session failed", self.url.host, self.url.port)
            finally:
                await self._teardown()
            if self._closing:  # a cancel from close() can be lost on 3.11; this cannot
                return
            log.info("AMI reconnecting in %.1f s", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_max)

    async def _session(self) -> bool:
        """One connection: connect, log in, ping until it fails. True if login succeeded."""
        # asyncio.timeout, not wait_for: on 3.11 wait_for loses a cancel (close()) that meets a
        # failing connect, and the supervisor would then run on for ever.
        async with asyncio.timeout(self.connect_timeout):
            conn = await AmiConnection.open(self.url.host, self.url.port, self._dispatch)
        self._conn = conn
        login = {"Action": "Login", "Username": self.url.username, "Secret": self.url.secret}
        reply = await self._request(conn, {**login, "Events": "on"}, self.action_timeout)
        if _refused(reply[0]):
            raise AmiActionError("Login", reply[0].get("Message", "refused"))
        self.connects += 1
        self._up.set()
        log.info("AMI logged in to %s:%s (%s)", self.url.host, self.url.port, conn.banner)
        if self.on_login is not None:
            await self.on_login(self)
        pinger = asyncio.create_task(self._ping_loop(conn))
        try:
            await conn.wait_closed()
        finally:
            pinger.cancel()
            await asyncio.wait([pinger])
        log.warning("AMI connection to %s:%s lost", self.url.host, self.url.port)
        return True

    async def _ping_loop(self, conn: AmiConnection) -> None:
        while True:
            await asyncio.sleep(self.ping_interval)
            try:
                await self._request(conn, {"Action": "Ping"}, self.ping_timeout)
            except (TimeoutError, AmiNotConnected):
                log.warning("AMI ping unanswered for %.1f s: dropping the link", self.ping_timeout)
                conn.abort()
                return

    async def _teardown(self) -> None:
        self._up.clear()
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()

    def _dispatch(self, message: Mapping[str, object]) -> None:
        if self.on_event is not None:
            self.on_event(message)

    # -- actions -------------------------------------------------------------------------------

    async def send(self, headers: Mapping[str, HeaderValue]) -> AmiMessage:
        """Send one action and wait for its response.

        Raises `UnsafeHeaderValue` (nothing sent) for CR/LF, `AmiNotConnected` when not logged in
        or the link drops, `AmiActionError` for `Response: Error`, `TimeoutError` after
        `action_timeout`.
        """
        return (await self._checked(headers, as_list=False))[0]

    async def send_list(self, headers: Mapping[str, HeaderValue]) -> list[AmiMessage]:
        """Send an action that answers with an event list; its response, then every event."""
        return await self._checked(headers, as_list=True)

    async def _checked(
        self, headers: Mapping[str, HeaderValue], *, as_list: bool
    ) -> list[AmiMessage]:
        conn = self._conn
        if conn is None or not self.is_up:
            header_items(headers)  # an unsafe value is refused even with no link
            raise AmiNotConnected("AMI is not connected")
        reply = await self._request(conn, headers, self.action_timeout, as_list=as_list)
        if _refused(reply[0]):
            raise AmiActionError(str(headers.get("Action")), reply[0].get("Message", ""))
        return reply

    @staticmethod
    async def _request(
        conn: AmiConnection,
        headers: Mapping[str, HeaderValue],
        within: float,
        *,
        as_list: bool = False,
    ) -> list[AmiMessage]:
        pairs = header_items(headers)  # raises before anything is written
        async with asyncio.timeout(within):
            return await conn.request(pairs, as_list=as_list)

    async def ping(self) -> None:
        await self.send({"Action": "Ping"})

    async def originate(
        self,
        channel: str,
        *,
        context: str | None = None,
        exten: str | None = None,
        priority: int = 1,
        application: str | None = None,
        data: str = "",
        ring_seconds: float = 30.0,
        caller_id: str | None = None,
        variables: Mapping[str, str] | None = None,
        action_id: str | None = None,
    ) -> AmiMessage:
        """Start an outbound call (asynchronously: the outcome arrives as `OriginateResponse`
        with the same ActionID). Give either `context`+`exten` or `application`;
        `ring_seconds` is how long the far end may ring before the attempt counts as unanswered."""
        if (application is None) == (context is None or exten is None):
            raise ValueError("originate needs context and exten, or application")
        headers: dict[str, HeaderValue] = {"Action": "Originate", "Channel": channel}
        if application is not None:
            headers |= {"Application": application, "Data": data}
        else:
            headers |= {"Context": str(context), "Exten": str(exten), "Priority": priority}
        headers |= {"Timeout": int(ring_seconds * 1000), "Async": "true"}
        if caller_id is not None:
            headers["CallerID"] = caller_id
        if variables:
            for name, value in variables.items():
                # Asterisk splits a Variable value at commas: `x,OTHER=y` would set a second one.
                if not name or "=" in name or "," in name or "," in str(value):
                    raise UnsafeHeaderValue(f"Originate variable {name!r}: no ',' or '=' allowed")
            headers["Variable"] = [f"{k}={v}" for k, v in variables.items()]
        if action_id is not None:
            headers["ActionID"] = action_id
        return await self.send(headers)

    # Queue actions take the hotline's queue names (`general`); see ivr.asterisk_names.

    async def queue_add(
        self,
        queue: str,
        interface: str,
        *,
        penalty: int = 0,
        member_name: str = "",
        state_interface: str = "",
        paused: bool = False,
    ) -> None:
        headers: dict[str, HeaderValue] = {
            "Action": "QueueAdd",
            "Queue": _asterisk_queue(queue),
            "Interface": interface,
            "Penalty": penalty,
            "Paused": "true" if paused else "false",
        }
        if member_name:
            headers["MemberName"] = member_name
        if state_interface:
            headers["StateInterface"] = state_interface
        await self.send(headers)

    async def queue_remove(self, queue: str, interface: str) -> None:
        await self.send(
            {"Action": "QueueRemove", "Queue": _asterisk_queue(queue), "Interface": interface}
        )

    async def queue_pause(
        self, interface: str, paused: bool, *, queue: str | None = None, reason: str = ""
    ) -> None:
        """Pause or unpause a member in one queue, or (no `queue`) in all its queues."""
        headers: dict[str, HeaderValue] = {
            "Action": "QueuePause",
            "Interface": interface,
            "Paused": "true" if paused else "false",
        }
        if queue:
            headers["Queue"] = _asterisk_queue(queue)
        if reason:
            headers["Reason"] = reason
        await self.send(headers)

    async def core_show_channels(self) -> list[AmiMessage]:
        """One CoreShowChannel event per channel Asterisk has now."""
        reply = await self.send_list({"Action": "CoreShowChannels"})
        return [m for m in reply if m.get("Event") == "CoreShowChannel"]

    async def queue_status(self) -> list[AmiMessage]:
        """Every QueueParams/QueueMember/QueueEntry event, for resynchronising state."""
        reply = await self.send_list({"Action": "QueueStatus"})
        return [m for m in reply if m.get("Event") not in (None, "QueueStatusComplete")]


def _asterisk_queue(queue: str) -> str:
    return ASTERISK_QUEUES.get(queue, queue)


def _refused(response: AmiMessage) -> bool:
    return response.get("Response") in ("Error", "Failure", "Fail")
