"""An Asterisk Manager Interface simulator that speaks the real protocol over TCP.

What a client sees matches Asterisk 22's main/manager.c and apps/app_queue.c: the banner line,
`Login` answered `Authentication accepted` and followed by `FullyBooted`, responses echoing the
`ActionID`, `Ping` answered `Ping: Pong`, event lists (`EventList: start` ... `EventList:
Complete`), `Logoff` answered `Goodbye`, and `Permission denied` for actions before login.

Tests drive it: `replay()` sends recorded event sequences (tests/ami/fixtures/*.ami) to every
logged-in session, optionally cutting the connection in the middle of a message; `answer_pings =
False` makes the link half-dead (the socket stays open, nothing comes back); `actions` records
every action received, for assertions. It is for tests, demos and load runs, never production.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ivr.ami.codec import AmiMessage, AmiProtocolError, MessageReader, decode, encode
from ivr.asterisk_names import ASTERISK_QUEUES

AMI_VERSION = "11.0.0"  # Asterisk 22's AMI version


def read_recording(path: Path) -> list[AmiMessage]:
    """The messages of a recorded event stream (AMI text; LF or CRLF line ends)."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    return [decode(b.encode()) for b in blocks]


@dataclass(eq=False)
class _Session:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    authenticated: bool = False
    events: bool = True
    username: str = ""


@dataclass
class QueueMember:
    queue: str
    interface: str
    member_name: str
    penalty: int = 0
    paused: bool = False
    reason: str = ""
    state_interface: str = ""
    calls_taken: int = 0


@dataclass
class SimulatedAsterisk:
    """What the simulator knows about its PBX: queue members (changed by QueueAdd & co.)."""

    queues: tuple[str, ...] = tuple(ASTERISK_QUEUES.values())
    members: dict[tuple[str, str], QueueMember] = field(default_factory=dict)
    originate_response: str = "Success"  # or "Failure" (reported as unanswered, Reason 3)
    weights: dict[str, int] = field(default_factory=lambda: {"repair": 2, "emergency": 10})


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
    ) -> None:
        self.username, self.secret = username, secret
        self.read = read  # the user's read classes, as manager-ivr.conf grants them
        self.host, self.port = host, port
        self.pbx = pbx or SimulatedAsterisk()
        self.answer_pings = True
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
            data = _wire(message)
            if drop_after is not None and sent >= drop_after:
                for session in self._listeners():
                    session.writer.write(data[: len(data) // 2])
                await self.drop_all()
                return sent
            for session in self._listeners():
                session.writer.write(data)
            sent += 1
        for session in self._listeners():
            with contextlib.suppress(ConnectionError):
                await session.writer.drain()
        return sent

    async def emit(self, headers: Mapping[str, str]) -> None:
        """One event, stamped like `timestampevents = yes` does."""
        await self.replay([_stamped(headers)])

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
            _respond(w, action, "Error", "Missing action in request")
            return True
        lname = name.lower()
        if lname == "login":
            if action.get("Username") == self.username and action.get("Secret") == self.secret:
                session.authenticated, session.username = True, self.username
                session.events = action.get("Events", "on").lower() not in ("off", "no", "false")
                self.logins += 1
                _respond(w, action, "Success", "Authentication accepted")
                if self.read & {"system", "all"}:  # FullyBooted is a system-class event
                    w.write(
                        _wire(
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
            _respond(w, action, "Error", "Authentication failed")
            return False
        if lname == "logoff":
            _respond(w, action, "Goodbye", "Thanks for all the fish.")
            return False
        if not session.authenticated:
            _respond(w, action, "Error", "Permission denied")
            return True
        handler = {
            "ping": self._ping,
            "queueadd": self._queue_add,
            "queueremove": self._queue_remove,
            "queuepause": self._queue_pause,
            "queuestatus": self._queue_status,
            "originate": self._originate,
        }.get(lname)
        if handler is None:
            _respond(
                w,
                action,
                "Error",
                f"Invalid/unknown command: {name}. "
                "Use Action: ListCommands to show available commands.",
            )
            return True
        handler(w, action)
        return True

    def _ping(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        if not self.answer_pings:
            return  # a half-dead link: the socket is open, nothing comes back
        w.write(
            _wire(
                _with_id(
                    action,
                    {"Response": "Success", "Ping": "Pong", "Timestamp": f"{time.time():.6f}"},
                )
            )
        )

    def _queue_add(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        queue, interface = action.get("Queue", ""), action.get("Interface", "")
        if not queue:
            _respond(w, action, "Error", "'Queue' not specified.")
            return
        if not interface:
            _respond(w, action, "Error", "'Interface' not specified.")
            return
        if queue not in self.pbx.queues:
            _respond(w, action, "Error", "Unable to add interface to queue: No such queue")
            return
        if (queue, interface) in self.pbx.members:
            _respond(w, action, "Error", "Unable to add interface: Already there")
            return
        member = QueueMember(
            queue,
            interface,
            action.get("MemberName", "") or interface,
            penalty=int(action.get("Penalty", "0") or 0),
            paused=action.get("Paused", "").lower() in ("1", "true", "yes"),
            reason=action.get("Reason", ""),
            state_interface=action.get("StateInterface", "") or interface,
        )
        self.pbx.members[(queue, interface)] = member
        _respond(w, action, "Success", "Added interface to queue")
        self._broadcast(_member_event("QueueMemberAdded", member))

    def _queue_remove(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        queue, interface = action.get("Queue", ""), action.get("Interface", "")
        if not queue or not interface:
            _respond(w, action, "Error", "Need 'Queue' and 'Interface' parameters.")
            return
        member = self.pbx.members.pop((queue, interface), None)
        if member is None:
            _respond(w, action, "Error", "Unable to remove interface: Not there")
            return
        _respond(w, action, "Success", "Removed interface from queue")
        self._broadcast(_member_event("QueueMemberRemoved", member))

    def _queue_pause(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        interface, paused_s = action.get("Interface", ""), action.get("Paused", "")
        if not interface or not paused_s:
            _respond(w, action, "Error", "Need 'Interface' and 'Paused' parameters.")
            return
        paused = paused_s.lower() in ("1", "true", "yes")
        queue = action.get("Queue", "")
        hits = [
            m
            for (q, i), m in self.pbx.members.items()
            if i == interface and (not queue or q == queue)
        ]
        if not hits:
            _respond(w, action, "Error", "Interface not found")
            return
        _respond(
            w,
            action,
            "Success",
            "Interface paused successfully" if paused else "Interface unpaused successfully",
        )
        for member in hits:
            member.paused, member.reason = paused, action.get("Reason", "") if paused else ""
            self._broadcast(_member_event("QueueMemberPause", member))

    def _queue_status(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        w.write(
            _wire(
                _with_id(
                    action,
                    {
                        "Response": "Success",
                        "EventList": "start",
                        "Message": "Queue status will follow",
                    },
                )
            )
        )
        items = 0
        only = action.get("Queue", "")
        for queue in self.pbx.queues:
            if only and queue != only:
                continue
            # app_queue writes the ActionID last in QueueParams and QueueMember.
            w.write(
                _wire(
                    _id_last(
                        action,
                        {
                            "Event": "QueueParams",
                            "Queue": queue,
                            "Max": "0",
                            "Strategy": "rrmemory",
                            "Calls": "0",
                            "Holdtime": "0",
                            "TalkTime": "0",
                            "Completed": "0",
                            "Abandoned": "0",
                            "ServiceLevel": "15",
                            "ServicelevelPerf": "0.0",
                            "ServicelevelPerf2": "0.0",
                            "Weight": str(self.pbx.weights.get(queue, 0)),
                        },
                    )
                )
            )
            items += 1
            for (q, _), member in self.pbx.members.items():
                if q == queue:
                    w.write(_wire(_id_last(action, _status_member(member))))
                    items += 1
        w.write(
            _wire(
                _with_id(
                    action,
                    {
                        "Event": "QueueStatusComplete",
                        "EventList": "Complete",
                        "ListItems": str(items),
                    },
                )
            )
        )

    def _originate(self, w: asyncio.StreamWriter, action: AmiMessage) -> None:
        channel = action.get("Channel", "")
        if not channel:
            _respond(w, action, "Error", "Channel not specified")
            return
        if action.get("Async", "").lower() not in ("true", "yes", "1"):
            _respond(
                w,
                action,
                "Success" if self.pbx.originate_response == "Success" else "Error",
                "Originate successfully queued"
                if self.pbx.originate_response == "Success"
                else "Originate failed",
            )
            return
        _respond(w, action, "Success", "Originate successfully queued")
        ok = self.pbx.originate_response == "Success"
        number = next(self._uniqueids)
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
            "Channel": _channel_name(channel, number) if ok else channel,
        }
        if action.get("Application"):
            event |= {"Application": action.get("Application", ""), "Data": action.get("Data", "")}
        else:
            event |= {"Context": action.get("Context", ""), "Exten": action.get("Exten", "")}
        cid_name, cid_num = _parse_callerid(action.get("CallerID", ""))
        event |= {
            "Reason": "4" if ok else "3",  # answered / rang out unanswered
            "Uniqueid": f"{int(time.time())}.{number}" if ok else "<unknown>",
            "CallerIDNum": cid_num or "<unknown>",
            "CallerIDName": cid_name or "<unknown>",
        }
        w.write(_wire(event))

    def _broadcast(self, event: Mapping[str, str]) -> None:
        data = _wire(_stamped(event))
        for session in self._listeners():
            session.writer.write(data)


def _wire(message: Mapping[str, str] | AmiMessage) -> bytes:
    if isinstance(message, AmiMessage):
        return encode(message.items_in_order)
    return encode(message)


def _with_id(action: AmiMessage, headers: dict[str, str]) -> dict[str, str]:
    """Asterisk puts the ActionID right after `Response:` (or `Event:`)."""
    first, *rest = headers.items()
    out = dict([first])
    if action.action_id:
        out["ActionID"] = action.action_id
    out.update(rest)
    return out


def _respond(w: asyncio.StreamWriter, action: AmiMessage, response: str, message: str) -> None:
    w.write(_wire(_with_id(action, {"Response": response, "Message": message})))


def _member_fields(m: QueueMember) -> dict[str, str]:
    return {
        "Queue": m.queue,
        "MemberName": m.member_name,
        "Interface": m.interface,
        "StateInterface": m.state_interface or m.interface,
        "Membership": "dynamic",
        "Penalty": str(m.penalty),
        "CallsTaken": str(m.calls_taken),
        "LastCall": "0",
        "LastPause": "0",
        "LoginTime": str(int(time.time())),
        "InCall": "0",
        "Status": "1",
        "Paused": "1" if m.paused else "0",
        "PausedReason": m.reason,
        "Ringinuse": "0",
        "Wrapuptime": "0",
    }


def _member_event(name: str, m: QueueMember) -> dict[str, str]:
    return {"Event": name, "Privilege": "agent,all", **_member_fields(m)}


def _stamped(event: Mapping[str, str]) -> dict[str, str]:
    """`Timestamp` where `timestampevents = yes` puts it: after `Privilege` (or `Event`)."""
    out: dict[str, str] = {}
    stamp = f"{time.time():.6f}"
    for key, value in event.items():
        if key == "Timestamp":
            continue
        out[key] = value
        if key == "Privilege" or (key == "Event" and "Privilege" not in event):
            out["Timestamp"] = stamp
    return out


def _id_last(action: AmiMessage, headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "ActionID": action.action_id} if action.action_id else headers


def _status_member(m: QueueMember) -> dict[str, str]:
    """QueueStatus's QueueMember: `Name`/`Location` where the member events say
    `MemberName`/`Interface`, and no `Ringinuse`."""
    fields = _member_fields(m)
    renamed = {"MemberName": "Name", "Interface": "Location"}
    return {"Event": "QueueMember"} | {
        renamed.get(k, k): v for k, v in fields.items() if k != "Ringinuse"
    }


def _channel_name(requested: str, number: int) -> str:
    """The name Asterisk gives an originated channel: `Local/x@ctx-0000000a;1`, or the
    endpoint's name with a sequence number (`PJSIP/carrier-0000000a` for `PJSIP/123@carrier`)."""
    tech, _, resource = requested.partition("/")
    if tech.lower() == "local":
        return f"{requested}-{number:08x};1"
    return f"{tech}/{resource.rpartition('@')[2]}-{number:08x}"


def _parse_callerid(value: str) -> tuple[str, str]:
    """(name, number) from `"Name" <number>`, `Name <number>` or a bare number."""
    if "<" in value and value.rstrip().endswith(">"):
        name, _, number = value.rstrip()[:-1].rpartition("<")
        return name.strip().strip('"'), number.strip()
    return "", value.strip()
