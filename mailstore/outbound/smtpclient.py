"""SMTP client sessions to a destination (aiosmtplib): connect, EHLO, STARTTLS, AUTH, send.

A :class:`Session` is one connection after EHLO, reused for several messages to the same
destination (RFC 5321 §4.5.3.2 timeouts on each step). :class:`Connector` opens one: to the
configured relayhost, or to the domain's MX hosts in order (``mailstore/outbound/mx.py``),
moving to the next address when a connection, greeting or EHLO fails (RFC 5321 §5.1).

TLS to MX hosts is opportunistic (RFC 3207, RFC 7435): STARTTLS when offered, the certificate
not verified (there is nothing to verify it against without DANE or MTA-STS), and when the
handshake fails the same address is tried again in plaintext, as Postfix's "may" level does.
Which TLS version was used is recorded per recipient. The relayhost's TLS is configurable and
verified when required (``[queue] relayhost_tls``); AUTH is sent only under TLS or to a loopback
relayhost.

Addresses are written into MAIL/RCPT exactly as queued (aiosmtplib's own quoting would parse
and rewrite quoted local parts), so this module builds those two commands itself.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from dataclasses import dataclass, field

import aiosmtplib
import dns.asyncresolver

from mailstore.outbound import mx
from mailstore.outbound.mx import RouteError, Target
from mailstore.outbound.results import Kind, Reply, permanent, temporary
from mailstore.outbound.settings import RelayHost, Settings

log = logging.getLogger(__name__)

#: A connection carries at most this many messages and lives at most this long (seconds).
MAX_MESSAGES_PER_CONNECTION = 100
MAX_CONNECTION_AGE = 300.0
#: Errors that end a connection (or its attempt) rather than give a reply.
_CONNECTION_ERRORS = (aiosmtplib.SMTPException, OSError, ssl.SSLError, asyncio.TimeoutError)


@dataclass(frozen=True, slots=True)
class Envelope:
    sender: str
    recipients: tuple[str, ...]
    size: int
    smtputf8: bool = False
    eight_bit: bool = False


def _opportunistic_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass
class Session:
    """One open connection to ``target`` after EHLO (and STARTTLS/AUTH)."""

    client: aiosmtplib.SMTP
    target: Target
    settings: Settings
    tls: str | None = None
    sent: int = 0
    opened: float = field(default_factory=time.monotonic)
    #: The step in which the connection was lost, if it was.
    lost_in: str | None = None

    @property
    def usable(self) -> bool:
        return (
            self.client.is_connected
            and self.sent < MAX_MESSAGES_PER_CONNECTION
            and time.monotonic() - self.opened < MAX_CONNECTION_AGE
        )

    async def send(self, envelope: Envelope, data: bytes) -> dict[str, Reply]:
        """One mail transaction (RFC 5321 §3.3); a reply per recipient, never raises.

        A reply to RCPT that is not 2xx is that recipient's result; the reply to the end of
        DATA is the result of every recipient accepted at RCPT. A lost connection or a
        timeout defers every recipient without a final reply yet.
        """
        final: dict[str, Reply] = {}
        step = "MAIL FROM"
        try:
            refusal = self._check(envelope)
            if refusal is not None:
                return dict.fromkeys(envelope.recipients, refusal)
            encoding = "utf-8" if envelope.smtputf8 else "ascii"
            reply = await self._command(
                b"MAIL",
                b"FROM:<" + envelope.sender.encode(encoding) + b">",
                *self._mail_options(envelope),
            )
            if reply.kind is not Kind.DELIVERED:
                await self._reset()
                return dict.fromkeys(envelope.recipients, reply)
            step = "RCPT TO"
            accepted = []
            for rcpt in envelope.recipients:
                reply = await self._command(b"RCPT", b"TO:<" + rcpt.encode(encoding) + b">")
                if reply.kind is Kind.DELIVERED:
                    accepted.append(rcpt)
                else:
                    final[rcpt] = reply
            if not accepted:
                await self._reset()
                return final
            step = "DATA"
            end = await self._data(data)
            for rcpt in accepted:
                final[rcpt] = end
            self.sent += 1
            return {r: final[r] for r in envelope.recipients}
        except _CONNECTION_ERRORS as exc:
            self.client.close()
            self.lost_in = step
            lost = temporary("4.4.2", f"lost connection with {self.target} in {step}: {_why(exc)}")
            return {r: final.get(r, lost) for r in envelope.recipients}

    def _check(self, envelope: Envelope) -> Reply | None:
        """Refusals known before sending anything (RFC 6531 §3.2, RFC 1870 §6)."""
        extensions = self.client.esmtp_extensions
        if envelope.smtputf8 and "smtputf8" not in extensions:
            return permanent("5.6.7", f"{self.target} does not support SMTPUTF8", code=553)
        limit = extensions.get("size", "")
        if limit.isdigit() and 0 < int(limit) < envelope.size:
            return permanent(
                "5.3.4", f"message of {envelope.size} octets exceeds {self.target}'s limit", 552
            )
        for address in (envelope.sender, *envelope.recipients):
            if any(c in address for c in "\r\n\0<>"):
                return permanent("5.1.3", f"unusable address {address!r}", code=553)
        return None

    def _mail_options(self, envelope: Envelope) -> list[bytes]:
        extensions = self.client.esmtp_extensions
        options = []
        if "size" in extensions:
            options.append(f"SIZE={envelope.size}".encode())  # RFC 1870
        if envelope.eight_bit and "8bitmime" in extensions:
            options.append(b"BODY=8BITMIME")  # RFC 6152
        if envelope.smtputf8:
            options.append(b"SMTPUTF8")  # RFC 6531 §3.4
        return options

    async def _command(self, *args: bytes) -> Reply:
        response = await self.client.execute_command(*args, timeout=self.settings.command_timeout)
        return Reply.from_smtp(response.code, response.message)

    async def _data(self, data: bytes) -> Reply:
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        try:
            response = await self.client.data(data, timeout=self.settings.data_timeout)
        except aiosmtplib.SMTPDataError as exc:
            await self._reset()
            return Reply.from_smtp(exc.code, exc.message)
        return Reply.from_smtp(response.code, response.message)

    async def _reset(self) -> None:
        """RSET after a failed transaction, so the connection can carry the next one."""
        if self.client.is_connected:
            try:
                await self.client.rset(timeout=self.settings.command_timeout)
            except _CONNECTION_ERRORS:
                self.client.close()

    async def close(self) -> None:
        """QUIT politely (briefly), then drop the connection."""
        if self.client.is_connected:
            try:
                await self.client.quit(timeout=min(5.0, self.settings.command_timeout))
            except _CONNECTION_ERRORS:
                pass
        self.client.close()


class Connector:
    """Opens sessions: to the relayhost, or to a domain's MX hosts."""

    def __init__(self, settings: Settings, resolver: dns.asyncresolver.Resolver):
        self.settings = settings
        self.resolver = resolver
        self._opportunistic = _opportunistic_context()
        self._relay_context: ssl.SSLContext | None = None

    async def open(self, domain: str) -> Session:
        """A session for mail to ``domain``; raises :class:`RouteError` when none opens."""
        relay = self.settings.relayhost
        if relay is not None:
            target = Target(relay.host, relay.host, relay.port)
            return await self._open_relay(target, relay)
        targets = await mx.targets(self.resolver, domain, self.settings.remote_port)
        errors = []
        for target in targets:
            try:
                return await self._open_mx(target)
            except _CONNECTION_ERRORS as exc:
                log.info("connect to %s failed: %s", target, _why(exc))
                errors.append(f"{target}: {_why(exc)}")
        raise RouteError(temporary("4.4.1", "; ".join(errors[-3:])))

    async def _open_mx(self, target: Target) -> Session:
        """Opportunistic STARTTLS; on a failed handshake, again in plaintext (RFC 7435)."""
        client = await self._connect(target)
        if "starttls" not in client.esmtp_extensions:
            return Session(client, target, self.settings)
        try:
            return await self._starttls(client, target, self._opportunistic)
        except _CONNECTION_ERRORS as exc:
            client.close()
            log.info("STARTTLS with %s failed (%s): retrying without TLS", target, _why(exc))
        client = await self._connect(target)
        return Session(client, target, self.settings)

    async def _open_relay(self, target: Target, relay: RelayHost) -> Session:
        try:
            session = await self._relay_session(target, relay)
        except _CONNECTION_ERRORS as exc:
            raise RouteError(temporary("4.4.1", f"relayhost {target}: {_why(exc)}")) from None
        if relay.username:
            await self._authenticate(session, relay)
        return session

    async def _relay_session(self, target: Target, relay: RelayHost) -> Session:
        context = self._relay_tls(relay)
        if relay.tls == "tls":
            client = await self._connect(target, implicit_tls=context)
            return Session(client, target, self.settings, _tls_version(client))
        client = await self._connect(target)
        offered = "starttls" in client.esmtp_extensions
        if relay.tls == "starttls" and not offered:
            client.close()
            raise RouteError(temporary("4.7.5", f"relayhost {target} does not offer STARTTLS"))
        if relay.tls == "none" or not offered:
            return Session(client, target, self.settings)
        try:
            return await self._starttls(client, target, context)
        except _CONNECTION_ERRORS:
            client.close()
            if relay.tls == "starttls":
                raise
        client = await self._connect(target)
        return Session(client, target, self.settings)

    def _relay_tls(self, relay: RelayHost) -> ssl.SSLContext:
        if relay.tls == "may":
            return self._opportunistic
        if self._relay_context is None:
            self._relay_context = ssl.create_default_context(cafile=relay.ca_file or None)
        return self._relay_context

    async def _authenticate(self, session: Session, relay: RelayHost) -> None:
        """AUTH (RFC 4954) only under TLS, or to a relayhost on this machine."""
        if session.tls is None and not relay.is_loopback:
            await session.close()
            raise RouteError(temporary("4.7.0", f"no TLS to {session.target}: AUTH not sent"))
        try:
            await session.client.login(
                relay.username, relay.password, timeout=self.settings.command_timeout
            )
        except aiosmtplib.SMTPResponseException as exc:
            await session.close()
            reply = Reply.from_smtp(exc.code, exc.message)
            raise RouteError(
                temporary("4.7.8", f"AUTH at {session.target} failed: {reply}")
            ) from None
        except _CONNECTION_ERRORS as exc:
            session.client.close()
            raise RouteError(temporary("4.4.2", f"AUTH at {session.target}: {_why(exc)}")) from None

    async def _connect(
        self, target: Target, implicit_tls: ssl.SSLContext | None = None
    ) -> aiosmtplib.SMTP:
        """TCP connect, the 220 greeting and EHLO (HELO when EHLO is refused)."""
        client = aiosmtplib.SMTP(
            hostname=target.address,
            port=target.port,
            local_hostname=self.settings.helo_name,
            timeout=self.settings.command_timeout,
            start_tls=False,
            use_tls=implicit_tls is not None,
            tls_context=implicit_tls,
        )
        try:
            await client.connect(timeout=self.settings.connect_timeout)
            try:
                await client.ehlo()
            except aiosmtplib.SMTPHeloError:
                await client.helo()
        except BaseException:
            client.close()
            raise
        return client

    async def _starttls(
        self, client: aiosmtplib.SMTP, target: Target, context: ssl.SSLContext
    ) -> Session:
        await client.starttls(
            server_hostname=target.host,
            tls_context=context,
            timeout=self.settings.command_timeout,
        )
        await client.ehlo()  # RFC 3207 §4.2: forget what was said before TLS
        return Session(client, target, self.settings, _tls_version(client))


def _tls_version(client: aiosmtplib.SMTP) -> str | None:
    ssl_object = client.get_transport_info("ssl_object")
    return ssl_object.version() if ssl_object is not None else None


def _why(exc: BaseException) -> str:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return str(Reply.from_smtp(exc.code, exc.message))
    if isinstance(exc, asyncio.TimeoutError | aiosmtplib.SMTPTimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__
