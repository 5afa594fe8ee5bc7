"""Remote MXes for outbound tests: real aiosmtpd listeners on loopback addresses.

All listeners of a test share one TCP port (the queue's ``remote_port``), chosen by the OS for
the first one on 127.0.0.1; others bind 127.0.0.2, 127.0.0.3, ... on the same port, so MX
records can point at distinct hosts. A :class:`Sink` records every transaction, the TLS use
and AUTH of its session, and the connections it saw; its replies are programmable.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiosmtpd.smtp import SMTP as AioSMTP
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    authenticated: bool
    peer: str
    helo: str
    mail_options: list[str] = field(default_factory=list)


@dataclass
class Sink:
    """An aiosmtpd handler: accepts by default; ``rcpt``/``data`` program other replies."""

    name: str = "sink"
    #: recipient -> reply for RCPT (None: 250)
    rcpt: Callable[[str], str | None] = lambda _: None
    #: replies for successive DATA ends ("close" drops the connection); then 250
    data_replies: list[str] = field(default_factory=list)
    messages: list[Received] = field(default_factory=list)
    connections: int = 0
    active: set[Any] = field(default_factory=set)
    max_active: int = 0
    logins: list[str] = field(default_factory=list)
    delay: float = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.data_replies:
            reply = self.data_replies.pop(0)
            if reply == "close":
                server.transport.close()
                return "421 4.4.2 closing"
            return reply
        self.messages.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content or envelope.content,
                session.ssl is not None,
                bool(session.authenticated),
                str(session.peer[0]),
                str(session.host_name),
                list(envelope.mail_options),
            )
        )
        return f"250 2.0.0 Ok: queued by {self.name}"


class _Protocol(AioSMTP):
    def __init__(self, sink: Sink, **kwargs: Any):
        super().__init__(sink, **kwargs)
        self.sink = sink

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.transport is None:  # not the STARTTLS re-entry
            self.sink.connections += 1
            self.sink.active.add(self)
            self.sink.max_active = max(self.sink.max_active, len(self.sink.active))
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self.sink.active.discard(self)
        super().connection_lost(error)


class Remotes:
    """Listeners on 127.0.0.x sharing one port; closed by :meth:`close`."""

    def __init__(self) -> None:
        self.port = 0
        self.servers: list[asyncio.Server] = []
        self.protocols: list[Any] = []

    async def _bind(self, ip: str, factory: Callable[[], asyncio.BaseProtocol]) -> None:
        loop = asyncio.get_running_loop()

        def tracked() -> asyncio.BaseProtocol:
            protocol = factory()
            self.protocols.append(protocol)
            return protocol

        server = await loop.create_server(tracked, ip, self.port)
        if not self.port:
            self.port = server.sockets[0].getsockname()[1]
        self.servers.append(server)

    async def smtp(
        self,
        ip: str = "127.0.0.1",
        sink: Sink | None = None,
        *,
        tls: ssl.SSLContext | None = None,
        auth: dict[str, str] | None = None,
        **options: Any,
    ) -> Sink:
        """An SMTP listener (STARTTLS offered when ``tls``; AUTH required when ``auth``)."""
        sink = sink or Sink(name=ip)

        def authenticator(server, session, envelope, mechanism, data):  # type: ignore[no-untyped-def]
            ok = isinstance(data, LoginPassword) and auth is not None
            ok = ok and auth.get(data.login.decode()) == data.password.decode()
            if ok:
                sink.logins.append(data.login.decode())
            return AuthResult(success=ok, handled=False)

        kwargs: dict[str, Any] = {
            "hostname": f"mx-{ip}",
            "tls_context": tls,
            "timeout": 30,
            **options,
        }
        if auth is not None:
            kwargs.update(
                auth_required=True, auth_require_tls=tls is not None, authenticator=authenticator
            )
        await self._bind(ip, lambda: _Protocol(sink, **kwargs))
        return sink

    async def silent(self, ip: str) -> None:
        """Accepts connections and never says a word (no greeting)."""

        class Silent(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport = transport

        await self._bind(ip, Silent)

    async def hangup(self, ip: str) -> None:
        """Accepts connections and closes them at once."""

        class Hangup(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                transport.close()

        await self._bind(ip, Hangup)

    async def close(self) -> None:
        for server in self.servers:
            server.close()
        for protocol in self.protocols:
            transport = getattr(protocol, "transport", None)
            if transport is not None:
                transport.close()
        for server in self.servers:
            await server.wait_closed()


class Clock:
    """The workers' clock: real time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


def message(
    subject: str = "Hello",
    sender: str = "Bob <bob@example.org>",
    to: str = "carol@remote.test",
    body: str = "Hello there.\r\n",
    extra: str = "",
) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: Mon, 02 Jan 2023 10:00:00 +0000\r\nMessage-ID: <{subject.replace(' ', '.')}@t>\r\n"
        f"{extra}\r\n{body}"
    ).encode()


async def inbox(store: Any, account_id: int) -> list[bytes]:
    rows = await store.db.fetch(
        "SELECT b.raw FROM messages m JOIN bodies b ON b.id = m.body_id "
        "WHERE m.account_id = $1 ORDER BY m.uid",
        account_id,
    )
    return [bytes(r["raw"]) for r in rows]


async def queue_rows(store: Any) -> list[dict[str, Any]]:
    rows = await store.db.fetch(
        "SELECT r.queue_id, r.recipient, r.status, r.attempts, r.next_attempt_at, r.last_reply, "
        "r.tls, r.remote_host, q.sender FROM queue_recipients r "
        "JOIN queue_messages q ON q.id = r.queue_id ORDER BY r.queue_id, r.recipient"
    )
    return [dict(r) for r in rows]


async def until(predicate: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait until ``predicate()`` holds (checked every 50 ms); fail after ``seconds``."""
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition not met within {seconds} s")
