"""The POP3 listeners: STLS on ``listeners.pop3`` (110; 1110 in development) and implicit TLS
on ``listeners.pop3s`` (995 / 1995, RFC 8314). ``create(context)`` is what the runner calls.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import TYPE_CHECKING

from mailstore.config import parse_hostport

from .connection import Connection
from .session import Session
from .settings import Pop3Settings
from .shared import Shared

if TYPE_CHECKING:
    from servers.common.throttle import AuthThrottle

log = logging.getLogger("servers.pop3")


class Pop3Service:
    """One listening address; implicit TLS or plain with STLS."""

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
        self._server = await asyncio.start_server(
            self._connected,
            self.host,
            self.port,
            ssl=self.shared.tls if self.implicit_tls else None,
            ssl_handshake_timeout=(
                self.shared.settings.tls_handshake_timeout if self.implicit_tls else None
            ),
        )
        mode = "implicit TLS" if self.implicit_tls else "STLS"
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
        self._sessions.add(task)
        try:
            conn = Connection(reader, writer, idle_timeout=self.shared.settings.idle_timeout)
            await Session(self.shared, conn).run()
        except asyncio.CancelledError:
            pass  # stop() is closing every session; the session released what it held
        except Exception:  # Session.run handles its own errors; this is a last resort
            log.exception("pop3: session crashed")
            writer.transport.abort()
        finally:
            self._sessions.discard(task)


def _format(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def create(
    context,  # servers.runner.Context (not imported: the runner imports this module)
    *,
    settings: Pop3Settings | None = None,
    throttle: AuthThrottle | None = None,
) -> list[Pop3Service]:
    """The POP3 services for the configured listeners; an empty address disables one.

    Both listeners share one lock table, throttle and size cache.
    """
    tls: ssl.SSLContext | None = context.tls
    shared = Shared(context.store, settings or Pop3Settings.from_config(context.config), tls)
    if throttle is not None:
        shared.throttle = throttle
    services = []
    listeners = context.config.listeners
    if listeners.pop3:
        services.append(Pop3Service("pop3", listeners.pop3, shared, implicit_tls=False))
    if listeners.pop3s and tls is not None:
        services.append(Pop3Service("pop3s", listeners.pop3s, shared, implicit_tls=True))
    return services
