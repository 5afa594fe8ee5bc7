"""The IMAP listeners: STARTTLS on ``listeners.imap`` (143; 1143 in development) and implicit
TLS on ``listeners.imaps`` (993 / 1993, RFC 8314). ``create(context)`` is what the runner calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from typing import TYPE_CHECKING

from servers.imap.engine import parse_hostport
from servers.imap.session import Session
from servers.imap.settings import ImapSettings
from servers.imap.shared import Shared
from servers.imap.transport import Transport

if TYPE_CHECKING:
    from servers.common.throttle import AuthThrottle

log = logging.getLogger("servers.imap")


class ImapService:
    """One listening address; implicit TLS or plain with STARTTLS."""

    def __init__(self, name: str, address: str, shared: Shared, *, implicit_tls: bool) -> None:
        self.name = name
        self.host, self.port = parse_hostport(address, f"listeners.{name}")
        self.shared = shared
        self.implicit_tls = implicit_tls
        self._server: asyncio.Server | None = None
        self._sessions: set[asyncio.Task[None]] = set()

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """Bound (host, port) pairs; the real ports when configured with port 0."""
        if self._server is None:
            return []
        return [s.getsockname()[:2] for s in self._server.sockets]

    async def start(self) -> list[str]:
        settings = self.shared.settings
        self._server = await asyncio.start_server(
            self._connected,
            self.host,
            self.port,
            ssl=self.shared.tls if self.implicit_tls else None,
            ssl_handshake_timeout=settings.tls_handshake_timeout if self.implicit_tls else None,
        )
        mode = "implicit TLS" if self.implicit_tls else "STARTTLS"
        return [f"{self.name} listening on {_format(h, p)} ({mode})" for h, p in self.addresses]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._sessions):
            task.cancel()
        if self._sessions:
            await asyncio.gather(*self._sessions, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._sessions) >= self.shared.settings.max_connections:
            await _refuse(writer)
            return
        self._sessions.add(task)
        try:
            transport = Transport(reader, writer, write_timeout=self.shared.settings.write_timeout)
            await Session(self.shared, transport).run()
        except asyncio.CancelledError:
            pass  # stop() is closing every session
        except Exception:  # Session.run handles its own errors; this is a last resort
            log.exception("imap: session crashed")
            writer.transport.abort()
        finally:
            self._sessions.discard(task)


async def _refuse(writer: asyncio.StreamWriter) -> None:
    """RFC 9051 §7.1.5: a BYE greeting when the server will not serve this connection."""
    log.warning("imap: too many connections; refusing one")
    writer.write(b"* BYE too many connections, try again later\r\n")
    with contextlib.suppress(Exception):
        async with asyncio.timeout(5):
            await writer.drain()
    writer.close()


def _format(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def create(
    context,  # servers.runner.Context (not imported: the runner imports this module)
    *,
    settings: ImapSettings | None = None,
    throttle: AuthThrottle | None = None,
) -> list[ImapService]:
    """The IMAP services for the configured listeners; an empty address disables one."""
    tls: ssl.SSLContext | None = context.tls
    shared = Shared(
        context.store,
        context.listener,
        settings or ImapSettings.from_config(context.config),
        tls,
    )
    if throttle is not None:
        shared.throttle = throttle
    services = []
    listeners = context.config.listeners
    if listeners.imap:
        services.append(ImapService("imap", listeners.imap, shared, implicit_tls=False))
    if listeners.imaps and tls is not None:
        services.append(ImapService("imaps", listeners.imaps, shared, implicit_tls=True))
    return services
