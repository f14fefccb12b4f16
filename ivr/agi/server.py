"""The FastAGI server: accepts Asterisk's connections and hands each call to a handler.

Each connection is read defensively: the `agi_*` header has a size cap and one deadline, every
reply read has a timeout, end of stream ends the call, and any exception costs only that
connection (logged with the peer and the call's unique id). The socket is always closed.

A flood cannot take calls down: connections are capped below the open-file limit; at the cap
the connection that has waited longest for its header makes room (Asterisk sends its header at
once, so a slow one is not a call), and when every slot is a call in progress new connections
are refused. Repeated failures are logged once per interval with a count.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable
from types import TracebackType

from ivr.agi.codec import AgiProtocolError, parse_env
from ivr.agi.limits import RepeatLog, default_max_connections
from ivr.agi.session import AgiChannel
from ivr.channel import ChannelHangup
from ivr.masking import mask_phone

log = logging.getLogger(__name__)

Handler = Callable[[AgiChannel], Awaitable[None]]

# Longest single line accepted from Asterisk (a GET VARIABLE value, a usage text line).
STREAM_LIMIT = 64 * 1024


class HeaderError(Exception):
    """The connection did not start with a well-formed `agi_*` environment."""


class AgiServer:
    """A FastAGI listener; `async with` or `start()`/`close()`. Tracks live calls for shutdown."""

    def __init__(
        self,
        handler: Handler,
        *,
        header_limit: int = 16384,
        read_timeout: float = 30.0,
        media_timeout: float = 600.0,
        max_connections: int = 0,
        header_timeout: float = 5.0,
        log_interval: float = 10.0,
    ) -> None:
        self._handler = handler
        self._header_limit = header_limit
        self._read_timeout = read_timeout
        self._media_timeout = media_timeout
        self.max_connections = max_connections or default_max_connections()
        self._header_timeout = header_timeout
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        # Connections still sending their header, oldest first (dicts keep insertion order).
        self._awaiting_header: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self._repeats = RepeatLog(log, log_interval)
        self._restore_handler: Callable[[], None] | None = None
        self.calls_total = 0  # connections that reached the handler
        self.refused_total = 0  # connections refused at the cap
        self.evicted_total = 0  # connections dropped at the cap for being slow with the header

    async def start(self, host: str, port: int) -> None:
        # A storm brings calls in bursts: a deep accept backlog keeps simultaneous connects
        # from being dropped and retried a second later by the kernel.
        self._server = await asyncio.start_server(
            self._serve, host, port, limit=STREAM_LIMIT, reuse_address=True, backlog=4096
        )
        self._throttle_accept_errors()
        log.info("FastAGI listening on %s (at most %d connections)", ", ".join(self.addresses),
                 self.max_connections)

    def _throttle_accept_errors(self) -> None:
        """asyncio logs every failed accept (out of file descriptors) with a traceback; over the
        open-file limit that was megabytes a second. Those go through the repeat log instead."""
        loop = asyncio.get_running_loop()
        previous = loop.get_exception_handler()
        self._restore_handler = lambda: loop.set_exception_handler(previous)

        def handle(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
            if str(context.get("message", "")).startswith("socket.accept() out of system"):
                self._repeats.log(logging.ERROR, "failed accepts",
                                  "FastAGI: cannot accept a connection: %s",
                                  context.get("exception"))
            elif previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)

        loop.set_exception_handler(handle)

    @property
    def addresses(self) -> list[str]:
        if self._server is None:
            return []
        return [f"{s.getsockname()[0]}:{s.getsockname()[1]}" for s in self._server.sockets]

    @property
    def port(self) -> int:
        """The bound port (useful when started on port 0)."""
        if self._server is None or not self._server.sockets:
            raise RuntimeError("the FastAGI server is not listening")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def live_connections(self) -> int:
        return len(self._connections)

    async def close(self, grace: float = 10.0) -> None:
        """Stop accepting; give live calls `grace` seconds to finish, then cancel them."""
        if self._server is not None:
            self._server.close()
        pending = set(self._connections)
        if pending:
            log.info("FastAGI: waiting up to %.0f s for %d live calls", grace, len(pending))
            _, pending = await asyncio.wait(pending, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        self._repeats.flush()
        if self._restore_handler is not None:
            self._restore_handler()
            self._restore_handler = None

    async def __aenter__(self) -> AgiServer:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close(grace=0)

    # --- one connection ----------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._connections) >= self.max_connections and not self._evict_slowest_header():
            self.refused_total += 1
            self._repeats.log(logging.WARNING, "connections refused",
                              "FastAGI: connection refused: %d connections open (the cap)",
                              len(self._connections))
            writer.close()  # a plain close: Asterisk sees the failure and takes its fallback
            return
        self._connections.add(task)
        self._awaiting_header[task] = writer
        peer = _peer_name(writer)
        uniqueid = "-"
        try:
            _enable_keepalive(writer)
            try:
                env = await self._read_env(reader)
            finally:
                self._awaiting_header.pop(task, None)
            uniqueid = env.get("uniqueid", "-")
            channel = AgiChannel(
                reader,
                writer,
                env,
                read_timeout=self._read_timeout,
                media_timeout=self._media_timeout,
                peer=peer,
            )
            self.calls_total += 1
            log.debug(
                "FastAGI %s call %s from %s: script %r",
                peer, uniqueid, mask_phone(channel.caller_number), channel.script,
            )
            await self._handler(channel)
        except HeaderError as exc:
            self._repeats.log(logging.WARNING, "connections rejected",
                              "FastAGI %s: rejected connection: %s", peer, exc)
        except ChannelHangup as exc:
            log.debug("FastAGI %s call %s ended: %s", peer, uniqueid, exc)
        except Exception:
            log.exception("FastAGI %s call %s: the call handler failed", peer, uniqueid)
        finally:
            self._connections.discard(task)
            await _close(writer)

    def _evict_slowest_header(self) -> bool:
        """Drop the connection that has waited longest for its header; False when none is."""
        for task, writer in self._awaiting_header.items():
            del self._awaiting_header[task]
            self._connections.discard(task)  # its slot is the new connection's from now
            writer.transport.abort()
            self.evicted_total += 1
            return True
        return False

    async def _read_env(self, reader: asyncio.StreamReader) -> dict[str, str]:
        lines: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self._header_timeout):
                while True:
                    line = await reader.readline()
                    size += len(line)
                    if size > self._header_limit:
                        raise HeaderError(f"header over {self._header_limit} bytes")
                    if not line.endswith(b"\n"):
                        raise HeaderError("connection closed before the end of the header")
                    line = line.rstrip(b"\r\n")
                    if not line:
                        break
                    lines.append(line)
            if not lines:
                raise HeaderError("empty header")
            return parse_env(lines)
        except TimeoutError:
            raise HeaderError(f"no complete header within {self._header_timeout} s") from None
        except ValueError as exc:  # a line over the stream limit, or AgiProtocolError
            if isinstance(exc, AgiProtocolError):
                raise HeaderError(str(exc)) from None
            raise HeaderError(f"header line over {STREAM_LIMIT} bytes") from None
        except ConnectionError as exc:
            raise HeaderError(f"connection failed: {exc}") from None


async def start_agi_server(
    handler: Handler,
    host: str,
    port: int,
    *,
    header_limit: int = 16384,
    read_timeout: float = 30.0,
    media_timeout: float = 600.0,
    max_connections: int = 0,
    header_timeout: float = 5.0,
) -> AgiServer:
    """Start listening on `host:port` (port 0: any free port, see `AgiServer.port`)."""
    server = AgiServer(
        handler, header_limit=header_limit, read_timeout=read_timeout, media_timeout=media_timeout,
        max_connections=max_connections, header_timeout=header_timeout,
    )
    await server.start(host, port)
    return server


def _peer_name(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)


def _enable_keepalive(writer: asyncio.StreamWriter) -> None:
    """Let the kernel notice an Asterisk that vanished while a Queue or Dial runs for long."""
    sock = writer.get_extra_info("socket")
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        if hasattr(socket, "TCP_KEEPIDLE"):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 60)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 10)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 6)
    except OSError as exc:
        log.debug("FastAGI: cannot enable TCP keepalive: %s", exc)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(TimeoutError, ConnectionError, OSError):
        await asyncio.wait_for(writer.wait_closed(), timeout=1.0)
