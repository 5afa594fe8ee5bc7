"""What every POP3 session of one process shares: engine, settings, TLS, throttle, locks,
size cache (both listeners use one)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from servers.common.metrics import ProtocolMetrics, discarded
from servers.common.throttle import AuthThrottle

from .maildrop import MaildropLocks, SizeCache
from .settings import Pop3Settings

if TYPE_CHECKING:
    from mailstore.store import Store


@dataclass
class Shared:
    store: Store
    settings: Pop3Settings
    tls: ssl.SSLContext | None
    throttle: AuthThrottle = field(default_factory=AuthThrottle)
    #: Connections, commands, latency and logins for ``/metrics`` (``service.create``).
    stats: ProtocolMetrics = field(default_factory=lambda: discarded().pop3())
    locks: MaildropLocks = field(default_factory=MaildropLocks)
    sizes: SizeCache = field(default_factory=SizeCache)
