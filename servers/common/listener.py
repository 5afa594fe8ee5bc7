"""One TCP listening address for a line protocol (IMAP, POP3): plain with STARTTLS, or
implicit TLS (RFC 8314). It tracks its sessions so ``stop()`` ends them all, bounds how many
run at once, and never lets a session's bug escape as a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable

from mailstore.config import parse_hostport
from mailstore.logs import new_session
from servers.common.metrics import ProtocolMetrics, discarded

log = logging.getLogger(__name__)

#: Runs one client session over the connection's streams.
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

#: listen(2) backlog. asyncio's default of 100 overflows in a connection storm: the kernel then
#: drops the handshake's last ACK and clients sit on half-open connections that get no greeting
#: for seconds (measured with bench/load/storm.py). The kernel caps it at net.core.somaxconn.
LISTEN_BACKLOG = 1024


def bound_addresses(server: asyncio.Server | None) -> list[tuple[str, int]]:
    """A server's bound (host, port) pairs: the real ports when it was asked for port 0."""
    if server is None:
        return []
    return [sock.getsockname()[:2] for sock in server.sockets]


async def close_server(server: asyncio.Server | None, sessions: set[asyncio.Task[None]]) -> None:
    """Stop accepting, cancel the sessions and wait for them, then for the server."""
    if server is not None:
        server.close()
    for task in list(sessions):
        task.cancel()
    if sessions:
        await asyncio.gather(*sessions, return_exceptions=True)
    if server is not None:
        await server.wait_closed()


class Listener:
    def __init__(
        self,
        name: str,
        address: str,
        handler: Handler,
        *,
        tls: ssl.SSLContext | None,
        implicit_tls: bool,
        starttls_name: str,
        handshake_timeout: float,
        max_connections: int | None = None,
        refusal: bytes | None = None,
        stats: ProtocolMetrics | None = None,
    ) -> None:
        self.name = name
        self.host, self.port = parse_hostport(address, f"listeners.{name}")
        self.handler = handler
        self.tls = tls
        self.implicit_tls = implicit_tls
        self.starttls_name = starttls_name
        self.handshake_timeout = handshake_timeout
        self.max_connections = max_connections
        #: Sent to a client over ``max_connections`` before closing (e.g. an IMAP BYE).
        self.refusal = refusal
        #: Connections opened / open now (``/metrics``).
        self.stats = stats or discarded().protocol(name)
        self._server: asyncio.Server | None = None
        self._sessions: set[asyncio.Task[None]] = set()

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """Bound (host, port) pairs; the real ports when configured with port 0."""
        return bound_addresses(self._server)

    async def start(self) -> list[str]:
        self._server = await asyncio.start_server(
            self._connected,
            self.host,
            self.port,
            ssl=self.tls if self.implicit_tls else None,
            ssl_handshake_timeout=self.handshake_timeout if self.implicit_tls else None,
            backlog=LISTEN_BACKLOG,
        )
        mode = "implicit TLS" if self.implicit_tls else self.starttls_name
        return [
            f"{self.name} listening on {format_address(h, p)} ({mode})" for h, p in self.addresses
        ]

    async def stop(self) -> None:
        await close_server(self._server, self._sessions)
        self._server = None

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if self.max_connections is not None and len(self._sessions) >= self.max_connections:
            await self._refuse(writer)
            return
        self._sessions.add(task)
        new_session()  # this task's log lines carry the connection's session id
        self.stats.connection_opened(self.implicit_tls)
        try:
            await self.handler(reader, writer)
        except asyncio.CancelledError:
            pass  # stop() is closing every session; the session released what it held
        except Exception:  # sessions handle their own errors; this is a last resort
            log.exception("%s: session crashed", self.name)
            writer.transport.abort()
        finally:
            self._sessions.discard(task)
            self.stats.connection_closed()

    async def _refuse(self, writer: asyncio.StreamWriter) -> None:
        log.warning("%s: too many connections; refusing one", self.name)
        if self.refusal:
            writer.write(self.refusal)
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5):
                    await writer.drain()
        writer.close()


def format_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
