"""The POP3 listeners: STLS on ``listeners.pop3`` (110; 1110 in development) and implicit TLS
on ``listeners.pop3s`` (995 / 1995, RFC 8314). ``create(context)`` is what the runner calls.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import TYPE_CHECKING

from servers.common.listener import Listener
from servers.common.metrics import of as metrics_of

from .connection import Connection
from .session import Session
from .settings import Pop3Settings
from .shared import Shared

if TYPE_CHECKING:
    from servers.common.throttle import AuthThrottle

log = logging.getLogger("servers.pop3")


class Pop3Service(Listener):
    """One listening address; implicit TLS or plain with STLS."""

    def __init__(self, name: str, address: str, shared: Shared, *, implicit_tls: bool) -> None:
        self.shared = shared
        super().__init__(
            name,
            address,
            self._session,
            tls=shared.tls,
            implicit_tls=implicit_tls,
            starttls_name="STLS",
            handshake_timeout=shared.settings.tls_handshake_timeout,
            stats=shared.stats,
        )

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection(reader, writer, idle_timeout=self.shared.settings.idle_timeout)
        await Session(self.shared, conn).run()


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
    shared.throttle = throttle or context.throttle  # one per process, shared by SMTP/IMAP/POP3
    shared.stats = metrics_of(context).pop3()
    services = []
    listeners = context.config.listeners
    if listeners.pop3:
        services.append(Pop3Service("pop3", listeners.pop3, shared, implicit_tls=False))
    if listeners.pop3s and tls is not None:
        services.append(Pop3Service("pop3s", listeners.pop3s, shared, implicit_tls=True))
    return services
