"""The IMAP listeners: STARTTLS on ``listeners.imap`` (143; 1143 in development) and implicit
TLS on ``listeners.imaps`` (993 / 1993, RFC 8314). ``create(context)`` is what the runner calls.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import TYPE_CHECKING

from servers.common.listener import Listener
from servers.common.metrics import of as metrics_of
from servers.imap.dispatch import TABLE
from servers.imap.session import Session
from servers.imap.settings import ImapSettings
from servers.imap.shared import Shared
from servers.imap.transport import Transport

if TYPE_CHECKING:
    from servers.common.throttle import AuthThrottle

log = logging.getLogger("servers.imap")


class ImapService(Listener):
    """One listening address; implicit TLS or plain with STARTTLS."""

    def __init__(self, name: str, address: str, shared: Shared, *, implicit_tls: bool) -> None:
        settings = shared.settings
        self.shared = shared
        super().__init__(
            name,
            address,
            self._session,
            tls=shared.tls,
            implicit_tls=implicit_tls,
            starttls_name="STARTTLS",
            handshake_timeout=settings.tls_handshake_timeout,
            max_connections=settings.max_connections,
            # RFC 9051 §7.1.5: a BYE greeting when the server will not serve this connection
            refusal=b"* BYE too many connections, try again later\r\n",
            stats=shared.stats,
        )

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        transport = Transport(reader, writer, write_timeout=self.shared.settings.write_timeout)
        await Session(self.shared, transport).run()


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
    shared.throttle = throttle or context.throttle  # one per process, shared by SMTP/IMAP/POP3
    shared.stats = metrics_of(context).imap(TABLE)
    services = []
    listeners = context.config.listeners
    if listeners.imap:
        services.append(ImapService("imap", listeners.imap, shared, implicit_tls=False))
    if listeners.imaps and tls is not None:
        services.append(ImapService("imaps", listeners.imaps, shared, implicit_tls=True))
    return services
