"""An Asterisk Manager Interface simulator that speaks the real protocol over TCP.

What a client sees matches Asterisk 22's main/manager.c and apps/app_queue.c: the banner line,
`Login` answered `Authentication accepted` and followed by `FullyBooted`, responses echoing the
`ActionID`, `Ping` answered `Ping: Pong`, event lists (`EventList: start` ... `EventList:
Complete`), `Logoff` answered `Goodbye`, and `Permission denied` for actions before login and
for actions whose class the user's `write` (manager-ivr.conf) does not grant.

Tests drive it: `replay()` sends recorded event sequences (tests/ami/fixtures/*.ami) to every
logged-in session, optionally cutting the connection in the middle of a message; `answer_pings =
False` makes the link half-dead (the socket stays open, nothing comes back); `actions` records
every action received, for assertions. It is for tests, demos and load runs, never production.

This module is the sessions (banner, login, dispatch, replay); the queue actions are
`ami_queues`, Originate is `ami_originate`, and where Asterisk puts each header is `ami_wire`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ivr.ami.codec import AmiMessage, AmiProtocolError, MessageReader
from ivr.pbxsim.ami_channels import core_show_channels
from ivr.pbxsim.ami_originate import originate
from ivr.pbxsim.ami_outbound import OutboundTrunk
from ivr.pbxsim.ami_queues import (
    SimulatedAsterisk,
    queue_add,
    queue_pause,
    queue_remove,
    queue_status,
)
from ivr.pbxsim.ami_wire import respond, stamped, wire, with_id

AMI_VERSION = "11.0.0"  # Asterisk 22's AMI version


@dataclass(eq=False)
class _Session:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    authenticated: bool = False
    events: bool = True
    username: str = ""


_QUEUE_ACTIONS = {"queueadd": queue_add, "queueremove": queue_remove, "queuepause": queue_pause}

# The classes an action is registered with in Asterisk 22 (manager.c, app_queue.c): a user whose
# `write` grants none of them gets `Permission denied`. Absent: registered with 0, anyone may.
_AUTHORITY = {
    "originate": frozenset({"originate"}),
    "coreshowchannels": frozenset({"system", "reporting"}),
    "queueadd": frozenset({"agent"}),
    "queueremove": frozenset({"agent"}),
    "queuepause": frozenset({"agent"}),
}


class AmiSimulator:
    def __init__(
        self,
        *,
        username: str = "hotline-ivr",
        secret: str = "test-secret",
        host: str = "127.0.0.1",
        port: int = 0,
        pbx: SimulatedAsterisk | None = None,
        read: frozenset[str] = frozenset({"call", "agent"}),
        write: frozenset[str] = frozenset({"originate", "agent", "reporting"}),
    ) -> None:
        self.username, self.secret = username, secret
        self.read = read  # the user's read classes, as manager-ivr.conf grants them
        self.write = write  # and the classes of actions it may run
        self.host, self.port = host, port
        self.pbx = pbx or SimulatedAsterisk()
        self.answer_pings = True
        # Actions (lower-case names) on which the link is cut before any answer, as when
        # Asterisk goes away in the middle of an action; each name is used once.
        self.drop_on: set[str] = set()
        # >0: the next Originates are queued on the trunk, then the link drops before the
        # response is written (the worst case for a dialer: dialled, but it cannot know).
        self.drop_after_originate = 0
        self.actions: list[AmiMessage] = []
        self.logins = 0
        self._server: asyncio.Server | None = None
        self._sessions: set[_Session] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._uniqueids = itertools.count(1)
        self.authenticated_event = asyncio.Event()

    async def start(self) -> AmiSimulator:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        await self.drop_all()
        if self.pbx.trunk is not None:
            await self.pbx.trunk.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> AmiSimulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"ami://{self.username}:{self.secret}@{self.host}:{self.port}"

    @property
    def connected(self) -> int:
        """Logged-in sessions."""
        return sum(1 for s in self._sessions if s.authenticated)

    # -- test controls -------------------------------------------------------------------------

    async def replay(
        self, messages: Iterable[Mapping[str, str] | AmiMessage], *, drop_after: int | None = None
    ) -> int:
        """Send events to every logged-in session. With `drop_after=N`, send N whole messages and
        half of the next, then cut the connections. Returns the number of whole messages sent."""
        sent = 0
        for message in messages:
            data = wire(message)
            if drop_after is not None and sent >= drop_after:
                for session in self._listeners():
                    session.writer.write(data[: len(data) // 2])
                await self.drop_all()
                return sent
            for session in self._listeners():
                session.writer.write(data)
            self.pbx.follow(message)
            sent += 1
        for session in self._listeners():
            with contextlib.suppress(ConnectionError):
                await session.writer.drain()
        return sent

    async def emit(self, headers: Mapping[str, str]) -> None:
        """One event, stamped like `timestampevents = yes` does."""
        await self.replay([stamped(headers)])

    async def drop_all(self) -> None:
        """Close every connection at once, as an Asterisk restart does."""
        for session in list(self._sessions):
            session.writer.close()
        for session in list(self._sessions):
            with contextlib.suppress(ConnectionError, OSError):
                await session.writer.wait_closed()
        self._sessions.clear()

    def actions_named(self, name: str) -> list[AmiMessage]:
        return [a for a in self.actions if a.get("Action", "").lower() == name.lower()]

    # -- protocol ------------------------------------------------------------------------------

    def _listeners(self) -> list[_Session]:
        return [s for s in self._sessions if s.authenticated and s.events]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = _Session(reader, writer)
        self._sessions.add(session)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            writer.write(f"Asterisk Call Manager/{AMI_VERSION}\r\n".encode())
            parser = MessageReader()
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                for action in parser.feed(data):
                    self.actions.append(action)
                    if not await self._handle(session, action):
                        return
                await writer.drain()
        except (ConnectionError, AmiProtocolError, asyncio.IncompleteReadError):
            return
        finally:
            self._sessions.discard(session)
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    async def _handle(self, session: _Session, action: AmiMessage) -> bool:
        """Answer one action; False ends the session."""
        name = action.get("Action", "")
        w = session.writer
        if not name:
            respond(w, action, "Error", "Missing action in request")
            return True
        lname = name.lower()
        if lname == "login":
            return self._login(session, action)
        if lname == "logoff":
            respond(w, action, "Goodbye", "Thanks for all the fish.")
            return False
        if not (session.authenticated and self._permitted(lname)):
            respond(w, action, "Error", "Permission denied")
            return True
        if lname in self.drop_on:
            self.drop_on.discard(lname)
            return False  # the link ends with the action unanswered
        if lname == "ping":
            self._ping(w, action)
        elif lname in _QUEUE_ACTIONS:
            _QUEUE_ACTIONS[lname](self.pbx, w, action, self._broadcast)
        elif lname == "queuestatus":
            queue_status(self.pbx, w, action)
        elif lname == "coreshowchannels":
            core_show_channels(list(self.pbx.channels.values()), w, action)
        elif lname == "originate" and self.pbx.trunk is not None and action.get("Channel"):
            return self._originate_on_trunk(self.pbx.trunk, w, action)
        elif lname == "originate":
            originate(self.pbx, w, action, self._uniqueids)
        else:
            respond(
                w,
                action,
                "Error",
                f"Invalid/unknown command: {name}. "
                "Use Action: ListCommands to show available commands.",
            )
        return True

    def _permitted(self, lname: str) -> bool:
        authority = _AUTHORITY.get(lname)
        return authority is None or bool(authority & self.write) or "all" in self.write

    def _originate_on_trunk(
        self, trunk: OutboundTrunk, w: asyncio.StreamWriter, action: AmiMessage
    ) -> bool:
        trunk.place(action, next(self._uniqueids), self._broadcast)
        if self.drop_after_originate > 0:
            self.drop_after_originate -= 1
            w.close()
            return False
        respond(w, action, "Success", "Originate successfully queued")
        return True

    def _login(self, session: _Session, action: AmiMessage) -> bool:
        """Login: accepted for the configured user (FullyBooted for the system class); a wrong
        secret ends the session, as manager.c does."""
        w = session.writer
        if action.get("Username") == self.username and action.get("Secret") == self.secret:
            session.authenticated, session.username = True, self.username
            session.events = action.get("Events", "on").lower() not in ("off", "no", "false")
            self.logins += 1
            respond(w, action, "Success", "Authentication accepted")
            if self.read & {"system", "all"}:  # FullyBooted is a system-class event
                w.write(
                    wire(
                        {
                            "Event": "FullyBooted",
                            "Privilege": "system,all",
                            "Uptime": "3600",
                            "LastReload": "3600",
                            "Status": "Fully Booted",
                        }
                    )
                )
            self.authenticated_event.set()
            return True
        respond(w, action, "Error", "Authentication failed")
        return False

    def _ping(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        if not self.answer_pings:
            return  # a half-dead link: the socket is open, nothing comes back
        w.write(
            wire(
                with_id(
                    action,
                    {"Response": "Success", "Ping": "Pong", "Timestamp": f"{time.time():.6f}"},
                )
            )
        )

    def _broadcast(self, event: Mapping[str, str]) -> None:
        data = wire(stamped(event))
        for session in self._listeners():
            session.writer.write(data)
