"""What every IMAP session of one process shares: engine, change listener, settings, TLS,
the failed-login throttle (both listeners use one)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from servers.common.metrics import ProtocolMetrics, discarded
from servers.common.throttle import AuthThrottle
from servers.imap.settings import ImapSettings

if TYPE_CHECKING:
    from servers.imap.engine import ChangeListener, Store


@dataclass
class Shared:
    store: Store
    listener: ChangeListener
    settings: ImapSettings
    tls: ssl.SSLContext | None
    throttle: AuthThrottle = field(default_factory=AuthThrottle)
    #: Connections, commands, latency and logins for ``/metrics`` (``service.create``).
    stats: ProtocolMetrics = field(default_factory=lambda: discarded().protocol("imap"))
