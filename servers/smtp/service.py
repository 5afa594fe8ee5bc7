"""The SMTP front end as a runner service: MX, submission, submissions and LMTP listeners.

``create(context)`` is what ``servers/runner.py`` calls. All four listeners share one
connection limiter (per client address and in total) and one failed-AUTH throttle.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mailstore.outbound.srs import SRS
from servers.common.listener import LISTEN_BACKLOG
from servers.common.metrics import of as metrics_of
from servers.common.throttle import AuthThrottle
from servers.smtp import replies
from servers.smtp.checks import InboundChecks, make_checks
from servers.smtp.engine import parse_hostport
from servers.smtp.handlers import LMTPHandler, MXHandler, SubmissionHandler
from servers.smtp.limits import ConnectionLimiter
from servers.smtp.protocol import AuthPolicy, LMTPProtocol, SMTPProtocol
from servers.smtp.settings import SMTPSettings

log = logging.getLogger(__name__)

# aiosmtpd logs every command line at INFO; we log connections, refusals and deliveries.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class Listener:
    name: str
    label: str
    address: str
    factory: Callable[[], SMTPProtocol]
    ssl: ssl.SSLContext | None = None
    server: asyncio.Server | None = None

    @property
    def bound(self) -> tuple[str, int]:
        """(host, port) actually bound (port 0 in the configuration picks a free one)."""
        assert self.server is not None and self.server.sockets
        host, port = self.server.sockets[0].getsockname()[:2]
        return host, port


@dataclass
class SMTPService:
    """The SMTP listeners of one process; ``ports`` maps listener name to its bound port."""

    context: Any
    checks: InboundChecks | None = None
    settings: SMTPSettings | None = None
    listeners: list[Listener] = field(default_factory=list)
    connections: set[SMTPProtocol] = field(default_factory=set)

    def __post_init__(self) -> None:
        config = self.context.config
        if self.settings is None:
            self.settings = SMTPSettings.from_config(config)
        self.limiter = ConnectionLimiter(
            self.settings.max_connections, self.settings.max_connections_per_address
        )
        self.throttle: AuthThrottle = self.context.throttle  # shared with IMAP and POP3
        if self.checks is None:
            self.checks = make_checks(config)
        self.listeners = self._listeners()

    def _listeners(self) -> list[Listener]:
        store, settings, tls = self.context.store, self.settings, self.context.tls
        addresses = self.context.config.listeners
        assert self.checks is not None and settings is not None
        mx = MXHandler(store, settings, self.checks, SRS.from_config(self.context.config))
        submission = SubmissionHandler(store, settings)
        lmtp = LMTPHandler(store, settings)

        def make(
            cls: type[SMTPProtocol], handler: Any, **kwargs: Any
        ) -> Callable[[], SMTPProtocol]:
            # /metrics protocol label: the MX is "smtp"; 587 and 465 are both "submission"
            stats = metrics_of(self.context).smtp("smtp" if handler.kind == "mx" else handler.kind)

            def factory() -> SMTPProtocol:
                return cls(
                    handler,
                    settings=settings,
                    limiter=self.limiter,
                    throttle=self.throttle,
                    connections=self.connections,
                    stats=stats,
                    **kwargs,
                )

            return factory

        submit = {"auth": AuthPolicy.REQUIRED, "authenticate": submission.authenticate}
        candidates = [
            Listener(
                "smtp",
                "SMTP (MX)",
                addresses.smtp,
                make(SMTPProtocol, mx, starttls=self.context.tls_mx or tls),
            ),
            Listener(
                "submission",
                "SMTP submission (STARTTLS)",
                addresses.submission,
                make(SMTPProtocol, submission, starttls=tls, **submit),
            ),
            Listener(
                "submissions",
                "SMTP submissions (implicit TLS)",
                addresses.submissions,
                make(SMTPProtocol, submission, implicit_tls=True, **submit),
                ssl=tls,
            ),
            Listener("lmtp", "LMTP", addresses.lmtp, make(LMTPProtocol, lmtp)),
        ]
        return [listener for listener in candidates if listener.address]

    async def start(self) -> list[str]:
        loop = asyncio.get_running_loop()
        lines = []
        try:
            for listener in self.listeners:
                host, port = parse_hostport(listener.address, f"listeners.{listener.name}")
                listener.server = await loop.create_server(
                    listener.factory,
                    host,
                    port,
                    ssl=listener.ssl,
                    reuse_address=True,
                    backlog=LISTEN_BACKLOG,
                )
                bound_host, bound_port = listener.bound
                lines.append(f"{listener.label} listening on {_hostport(bound_host, bound_port)}")
        except BaseException:
            await self.stop()
            raise
        return lines

    @property
    def ports(self) -> dict[str, int]:
        return {lst.name: lst.bound[1] for lst in self.listeners if lst.server is not None}

    async def stop(self) -> None:
        for listener in self.listeners:
            if listener.server is not None:
                listener.server.close()
        for connection in list(self.connections):
            connection.close(replies.SHUTTING_DOWN)
        for listener in self.listeners:
            if listener.server is not None:
                await listener.server.wait_closed()
                listener.server = None
        await asyncio.sleep(0)


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def create(context: Any) -> list[SMTPService]:
    """The runner's entry point (``servers/runner.py``)."""
    return [SMTPService(context)]
