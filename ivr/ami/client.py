"""The IVR's Asterisk Manager connection, on panoramisk's `Manager`.

panoramisk parses the stream and matches responses to actions by `ActionID`; this module adds what
a hotline needs around it:
- `IVR_AMI_URL` (`ami://user:secret@host:5038`) parsed and checked at start-up;
- one supervisor task that connects, logs in, and after any loss reconnects with exponential
  backoff (panoramisk's own retry is a fixed delay and keeps retrying after a failed login);
- a `Ping` every `ping_interval` that must be answered within `ping_timeout`, so a half-dead link
  (Asterisk hung, a NAT dropped the flow, the socket still open) is noticed and replaced;
- every action checked for CR/LF in names and values *before* anything is written, so caller
  data can never become a second header or action;
- actions in flight when the link drops fail with `AmiNotConnected` instead of being silently
  re-sent on the next connection (an `Originate` sent twice would ring a customer twice).

The IVR answers calls without AMI: nothing here blocks start-up, and `is_up` says how things are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from panoramisk import Manager
from panoramisk.actions import Action

from ivr.ami.codec import HeaderValue, UnsafeHeaderValue, header_items
from ivr.asterisk_names import ASTERISK_QUEUES
from ivr.services.pbx import PbxRefused, PbxUnavailable

log = logging.getLogger(__name__)

EventSink = Callable[[Mapping[str, Any]], None]
LoginHook = Callable[["AmiClient"], Awaitable[None]]


class AmiUrlError(ValueError):
    """IVR_AMI_URL is malformed; the message says how."""


class AmiNotConnected(PbxUnavailable):
    """No logged-in AMI session (or it was lost while the action was in flight)."""


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


class _Manager(Manager):  # type: ignore[misc]  # panoramisk is untyped
    """panoramisk's Manager with reconnection and pinging handed to `AmiClient`."""

    def __init__(self, client: AmiClient, **config: Any) -> None:
        super().__init__(**config)
        self._client = client

    def _stale(self) -> bool:
        """A manager the client has given up on (its connect timed out, or it was closed)."""
        return self._client._manager is not self

    def connection_made(self, f: asyncio.Future[Any]) -> None:
        if f.cancelled() or f.exception() is not None:
            if not self._stale():
                self._client._connect_result(f.exception() or ConnectionError("cancelled"))
            return
        if self._stale():
            # The connect finished after the client timed it out: close it before it logs in,
            # so no second session lingers and its callbacks never reach the client.
            transport, protocol = f.result()
            protocol.factory = self  # its connection_lost reports here, and is ignored
            transport.close()
            return
        super().connection_made(f)
        self._client._connect_result(None, self.authenticated_future)

    def connection_lost(self, exc: object) -> None:
        if self._stale():
            return
        self._connected = False
        self.authenticated = False
        pinger: asyncio.TimerHandle | None = getattr(self, "pinger", None)
        if pinger is not None:
            pinger.cancel()
        self.pinger = None
        self._client._lost(exc)

    def ping(self) -> None:
        """Pinging with a reply deadline is `AmiClient`'s job."""


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
        self._manager: _Manager | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._up = asyncio.Event()
        self._connected: asyncio.Future[asyncio.Future[Any] | None] | None = None
        self._lost_future: asyncio.Future[None] | None = None

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
        task, self._supervisor = self._supervisor, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._teardown()

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
                self._teardown()
            log.info("AMI reconnecting in %.1f s", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_max)

    async def _session(self) -> bool:
        """One connection: connect, log in, ping until it fails. True if login succeeded."""
        loop = asyncio.get_running_loop()
        self._connected = loop.create_future()
        self._lost_future = loop.create_future()
        manager = self._manager = _Manager(
            self,
            host=self.url.host,
            port=self.url.port,
            username=self.url.username,
            secret=self.url.secret,
            events="on",
            loop=loop,
            ping_delay=0,
            forgetable_actions=("ping", "login", "logoff"),
        )
        manager.register_event("*", self._dispatch)
        manager.connect()
        login = await asyncio.wait_for(self._connected, self.connect_timeout)
        if login is None:
            raise ConnectionError("no login sent")
        reply = await asyncio.wait_for(login, self.action_timeout)
        if not reply.success:
            raise AmiActionError("Login", str(reply.get("Message", "refused")))
        self.connects += 1
        self._up.set()
        log.info("AMI logged in to %s:%s", self.url.host, self.url.port)
        if self.on_login is not None:
            await self.on_login(self)
        pinger = asyncio.create_task(self._ping_loop(manager))
        try:
            await self._lost_future
        finally:
            pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pinger
        log.warning("AMI connection to %s:%s lost", self.url.host, self.url.port)
        return True

    async def _ping_loop(self, manager: _Manager) -> None:
        while True:
            await asyncio.sleep(self.ping_interval)
            try:
                await asyncio.wait_for(self._send_raw({"Action": "Ping"}), self.ping_timeout)
            except (TimeoutError, AmiNotConnected):
                log.warning("AMI ping unanswered for %.1f s: dropping the link", self.ping_timeout)
                transport = getattr(manager.protocol, "transport", None)
                if transport is not None:
                    transport.abort()  # reaches connection_lost, unlike Manager.close()
                return

    # -- callbacks from _Manager ---------------------------------------------------------------

    def _connect_result(
        self, exc: BaseException | None, login: asyncio.Future[Any] | None = None
    ) -> None:
        if self._connected is None or self._connected.done():
            return
        if exc is not None:
            self._connected.set_exception(exc)
        else:
            self._connected.set_result(login)

    def _lost(self, exc: object) -> None:
        self._up.clear()
        self._fail_pending()
        if self._lost_future is not None and not self._lost_future.done():
            self._lost_future.set_result(None)
        if self._connected is not None and not self._connected.done():
            self._connected.set_exception(ConnectionError("connection lost"))

    def _dispatch(self, manager: Manager, message: Mapping[str, Any]) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(message)
        except Exception:  # one bad event must not stop the stream
            log.exception("AMI event handler failed on %s", message.get("Event"))

    def _fail_pending(self) -> None:
        manager = self._manager
        if manager is None:
            return
        pending = list(manager.awaiting_actions)
        protocol = manager.protocol
        if protocol is not None:
            pending += list(getattr(protocol, "responses", {}).values())
            protocol.responses = {}
        manager.awaiting_actions.clear()
        for action in pending:
            if not action.future.done():
                action.future.set_exception(AmiNotConnected("AMI link lost"))

    def _teardown(self) -> None:
        self._up.clear()
        manager, self._manager = self._manager, None
        if manager is not None:
            manager.callbacks.clear()
            manager.patterns.clear()
            manager.close()
            self._fail_pending_of(manager)

    def _fail_pending_of(self, manager: _Manager) -> None:
        for action in list(manager.awaiting_actions):
            if not action.future.done():
                action.future.set_exception(AmiNotConnected("AMI closed"))
        manager.awaiting_actions.clear()

    # -- actions -------------------------------------------------------------------------------

    async def send(self, headers: Mapping[str, HeaderValue], *, as_list: bool = False) -> Any:
        """Send one action and wait for its response (or, with `as_list`, its event list).

        Raises `UnsafeHeaderValue` (nothing sent) for CR/LF, `AmiNotConnected` when not logged in,
        `AmiActionError` for `Response: Error`, `TimeoutError` after `action_timeout`.
        """
        reply = await asyncio.wait_for(
            self._send_raw(headers, as_list=as_list), self.action_timeout
        )
        first = reply[0] if isinstance(reply, list) else reply
        if first.get("Response") in ("Error", "Failure", "Fail"):
            raise AmiActionError(str(headers.get("Action")), str(first.get("Message", "")))
        return reply

    def _send_raw(self, headers: Mapping[str, HeaderValue], *, as_list: bool = False) -> Any:
        pairs = header_items(headers)  # raises before anything is queued or written
        manager = self._manager
        if manager is None or not self.is_up or manager.protocol is None:
            raise AmiNotConnected("AMI is not connected")
        action: dict[str, str | list[str]] = {}
        for key, value in pairs:
            existing = action.get(key)
            if existing is None:
                action[key] = value
            elif isinstance(existing, list):
                existing.append(value)
            else:
                action[key] = [existing, value]
        # as_list must be explicit: panoramisk guesses "Added interface to queue" starts a list.
        return manager.send_action(Action(action, as_list=as_list), as_list=as_list)

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
    ) -> Any:
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

    async def queue_status(self) -> list[Mapping[str, Any]]:
        """Every QueueParams/QueueMember/QueueEntry event, for resynchronising state."""
        reply = await self.send({"Action": "QueueStatus"}, as_list=True)
        return [m for m in reply if m.get("Event") not in (None, "QueueStatusComplete")]


def _asterisk_queue(queue: str) -> str:
    return ASTERISK_QUEUES.get(queue, queue)
