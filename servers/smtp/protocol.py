"""The SMTP and LMTP session: aiosmtpd's protocol class with what it lacks for us.

aiosmtpd 1.4.6 gives us the command loop, HELO/NOOP/RSET/QUIT/VRFY/HELP, MAIL and RCPT
parsing with ``handle_MAIL`` / ``handle_RCPT`` hooks, and the STARTTLS upgrade (which, as
RFC 3207 §4.2 asks, discards anything the client pipelined after STARTTLS: ``connection_made``
clears the reader's buffer when the TLS layer comes up; ``tests/smtp/test_tls.py`` checks it).

What we override, and why:

* ``smtp_DATA``: aiosmtpd keeps the payload as a list of lines, stores bare CR / bare LF as
  content, answers with one reply (LMTP needs one per recipient, RFC 2033 §4.2) and never
  resets the idle timer while data flows. Ours streams through :class:`DataDecoder` (only
  ``<CRLF>.<CRLF>`` ends DATA; bare line endings rejected or normalised; size bounded while
  reading) and hands the message to the handler's ``deliver``.
* ``smtp_AUTH``: aiosmtpd calls its authenticator synchronously, and its "is this TLS?" test
  does not see implicit TLS (port 465). Ours checks the password through the async engine,
  slows failures per client address (:class:`AuthThrottle`), and refuses AUTH inside a mail
  transaction (RFC 4954 §4).
* ``smtp_STARTTLS``: aiosmtpd accepts a second STARTTLS inside TLS (and then fails).
* ``smtp_EHLO`` / ``smtp_HELO``: advertise PIPELINING and ENHANCEDSTATUSCODES, and AUTH only
  under TLS (implicit TLS included). aiosmtpd also grows a *class-level* dict of command size
  limits on every EHLO (shared by all sessions, without bound); ours are per instance.
* ``push``: adds enhanced status codes to the replies aiosmtpd still writes itself.
* ``connection_made`` / ``connection_lost``: connection limits per address and in total.
* ``_timeout_cb``: a ``421 4.4.2`` before closing an idle session (RFC 5321 §4.5.3.2).
* ``handle_exception``: ``451 4.3.0`` and a log line, never an exception text to the client.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import enum
import logging
import re
import ssl
from typing import Any, Protocol

from aiosmtpd.smtp import MISSING, SMTP, syntax

from mailstore import failpoints
from mailstore.logs import event, new_session
from servers.common.metrics import SmtpMetrics, discarded
from servers.common.sasl import SaslError, decode_b64, parse_plain
from servers.common.throttle import AuthThrottle
from servers.smtp import replies
from servers.smtp.data import DataDecoder, DataError
from servers.smtp.engine import Account, Temporary
from servers.smtp.headers import TLSInfo
from servers.smtp.instrument import CommandTable
from servers.smtp.limits import ConnectionLimiter
from servers.smtp.rejections import TRANSACTION, classify
from servers.smtp.replies import Reply, with_enhanced_code
from servers.smtp.settings import SMTPSettings
from servers.smtp.state import Envelope, Session

log = logging.getLogger(__name__)

#: Octets asked of the reader per DATA chunk.
READ_CHUNK = 256 * 1024
#: RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF; aiosmtpd measures
#: without the CRLF. MAIL grows by 26 for SIZE (RFC 1870 §3) and 10 for SMTPUTF8 (RFC 6531).
COMMAND_LIMIT = 510
MAIL_LIMIT = COMMAND_LIMIT + 26 + 10
#: AUTH carries an initial response (RFC 4954 §4 allows up to 12288); the reader's line limit
#: (1001) is the real bound.
AUTH_LIMIT = 1000

#: Octets no EHLO/HELO/LHLO argument may hold: C0 controls, DEL, and the surrogates that stand
#: for non-UTF-8 bytes in aiosmtpd's decoded arguments.
_BAD_HELO = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")

_DATA_ERRORS: dict[DataError, Reply] = {
    DataError.TOO_BIG: replies.TOO_BIG,
    DataError.LINE_TOO_LONG: replies.LINE_TOO_LONG,
    DataError.BARE_LINE_ENDING: replies.BARE_LINE_ENDING,
}


class AuthPolicy(enum.Enum):
    NONE = "none"  # MX, LMTP: no AUTH
    REQUIRED = "required"  # submission: AUTH (under TLS) before MAIL


class Authenticator(Protocol):
    async def __call__(self, login: str, password: str) -> Account | None: ...


class Handler(Protocol):
    """What a listener kind (MX, submission, LMTP) implements; see ``servers/smtp/handlers``."""

    async def handle_MAIL(
        self,
        server: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        options: list[str],
    ) -> str: ...

    async def handle_RCPT(
        self,
        server: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        options: list[str],
    ) -> str: ...

    async def deliver(
        self, server: SMTPProtocol, session: Session, envelope: Envelope, content: bytes
    ) -> list[Reply]:
        """Store the message; one reply (SMTP) or one per accepted recipient (LMTP)."""
        ...


class SMTPProtocol(SMTP):
    """One SMTP session (MX, submission or submissions); see the module docstring."""

    lmtp = False
    ident = "ESMTP mailstore"

    def __init__(
        self,
        handler: Handler,
        *,
        settings: SMTPSettings,
        limiter: ConnectionLimiter,
        throttle: AuthThrottle,
        authenticate: Authenticator | None = None,
        auth: AuthPolicy = AuthPolicy.NONE,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        connections: set[SMTPProtocol] | None = None,
        stats: SmtpMetrics | None = None,
    ):
        super().__init__(
            handler,
            data_size_limit=settings.message_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=settings.hostname,
            ident=self.ident,
            tls_context=starttls,
            timeout=settings.command_timeout,
            auth_required=auth is AuthPolicy.REQUIRED,
            auth_require_tls=True,
            loop=asyncio.get_running_loop(),
        )
        self.settings = settings
        self.command_size_limit = COMMAND_LIMIT
        self.command_size_limits = collections.defaultdict(
            lambda: COMMAND_LIMIT, {"MAIL": MAIL_LIMIT, "AUTH": AUTH_LIMIT}
        )
        self._limiter = limiter
        self._throttle = throttle
        self._verify_password = authenticate
        self._auth_policy = auth
        self._implicit_tls = implicit_tls
        self._connections = connections if connections is not None else set()
        self._greeting = f"220 {self.hostname} {self.ident}"
        self._admitted_ip: str | None = None
        self._refused = False
        #: Counts into ``/metrics``; the command table also tells ``push`` the current verb.
        self._stats = stats or discarded().smtp("smtp")
        self._commands = self._smtp_methods = CommandTable(self._smtp_methods, self._stats)

    # -- connection ------------------------------------------------------------------------------
    def _create_session(self) -> Session:
        return Session(self.loop)

    def _create_envelope(self) -> Envelope:
        return Envelope()

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's path parser, with the stdlib's slips mapped to "malformed address".

        ``MAIL FROM:<a@`` makes ``email._header_value_parser.get_domain`` raise IndexError
        (not HeaderParseError), which was a logged internal error and ``451``; RFC 5321 §4.1.2
        says it is a syntax error: ``553 5.1.3`` (tests/fuzz/test_regressions.py).
        """
        try:
            return super()._getaddr(arg)
        except Exception as exc:
            ip = self.current_session().client_ip
            log.info("%s: unparsable path %r: %r", ip, arg[:100], exc)
            return None, None

    def current_session(self) -> Session:
        assert isinstance(self.session, Session)
        return self.session

    def current_envelope(self) -> Envelope:
        assert isinstance(self.envelope, Envelope)
        return self.envelope

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._original_transport is None and self.transport is None:
            # A new connection (not the TLS layer coming up after STARTTLS).
            peer = transport.get_extra_info("peername")
            ip = str(peer[0]) if isinstance(peer, tuple) and peer else ""
            refusal = self._limiter.acquire(ip)
            if refusal is not None:
                log.warning("%s: connection refused: %s", ip, refusal.text)
                self._refused = True
                transport.write(f"{refusal}\r\n".encode())  # type: ignore[attr-defined]
                transport.close()
                return
            self._admitted_ip = ip
            self._connections.add(self)
            self._stats.connection_opened(self._implicit_tls)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if self._refused:
            return
        if self._admitted_ip is not None:
            self._limiter.release(self._admitted_ip)
            self._admitted_ip = None
            self._stats.connection_closed()
        self._connections.discard(self)
        super().connection_lost(error)

    def eof_received(self) -> bool | None:
        if self._refused:
            return False
        return super().eof_received()

    async def _handle_client(self) -> None:
        """aiosmtpd's command loop, in the connection's own task: every log line of the
        connection carries the session id made here (``mailstore/logs.py``)."""
        new_session()
        await super()._handle_client()

    def _timeout_cb(self) -> None:
        # RFC 5321 §4.5.3.2: say why before closing.
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(f"{replies.TIMEOUT}\r\n".encode())  # type: ignore[attr-defined]
        super()._timeout_cb()

    def close(self, reply: Reply | None = None) -> None:
        """Close the session from the server side (shutdown), optionally saying why."""
        if self.transport is not None and not self.transport.is_closing():
            if reply is not None:
                self.transport.write(f"{reply}\r\n".encode())  # type: ignore[attr-defined]
            self.transport.close()

    def tls_info(self) -> TLSInfo | None:
        """Version and cipher when the session is encrypted (STARTTLS or implicit TLS)."""
        if self.transport is None:
            return None
        ssl_object = self.transport.get_extra_info("ssl_object")
        if ssl_object is None:
            return None
        cipher = ssl_object.cipher() or ("unknown", "", 0)
        return TLSInfo(ssl_object.version() or "TLS", cipher[0], cipher[2] or 0)

    def tls_active(self) -> bool:
        return self._implicit_tls or self._tls_protocol is not None

    # -- replies ---------------------------------------------------------------------------------
    async def push(self, status: Any) -> None:
        if isinstance(status, Reply):
            status = str(status)
        if isinstance(status, str) and status != self._greeting:
            status = with_enhanced_code(status)
            if self._commands.current in TRANSACTION:
                self._count_reply(status)
        await super().push(status)

    def _count_reply(self, line: str) -> None:
        """A reply to MAIL, RCPT or DATA: a refusal by reason, or a message accepted."""
        refusal = classify(line)
        if refusal is not None:
            self._stats.rejected(*refusal)
        elif self._commands.current == "DATA" and line.startswith("250"):
            self._stats.accepted()

    async def reply(self, *lines: Reply) -> None:
        for line in lines:
            await self.push(str(line))

    async def handle_exception(self, error: Exception) -> str:
        if isinstance(error, Temporary):
            log.warning("%s: temporary failure: %s", self.current_session().client_ip, error)
        else:
            log.exception("%s: error in SMTP session", self.current_session().client_ip)
        return str(replies.TEMPORARY)

    # -- greeting (RFC 5321 §4.1.1.1, RFC 1869) ---------------------------------------------------
    def capabilities(self) -> list[str]:
        caps = [
            "PIPELINING",
            f"SIZE {self.settings.message_size}",
            "8BITMIME",
            "SMTPUTF8",
            "ENHANCEDSTATUSCODES",
        ]
        if self.tls_context is not None and not self.tls_active():
            caps.append("STARTTLS")  # RFC 3207
        if self._auth_policy is not AuthPolicy.NONE and self.tls_active():
            caps.append("AUTH PLAIN LOGIN")  # RFC 4954, only under TLS
        return caps

    async def _greet(self, hostname: str, extended: bool) -> None:
        """EHLO/LHLO (extended) or HELO; RFC 2034 exempts these replies from status codes."""
        verb = "EHLO" if extended else "HELO"
        if not hostname:
            await self.reply(Reply(501, "5.5.4", f"Syntax: {verb} hostname"))
            return
        if _BAD_HELO.search(hostname):
            # RFC 5321 §4.1.1.1: a domain or address literal never holds control octets or
            # non-UTF-8 bytes (surrogate-escaped by aiosmtpd); kept, a NUL made the reception
            # log INSERT fail at DATA (tests/fuzz/test_regressions.py).
            ip = self.current_session().client_ip
            log.info("%s: %s with control or non-UTF-8 octets", ip, verb)
            await self.reply(Reply(501, "5.5.4", f"Syntax: {verb} hostname"))
            return
        self._set_rset_state()  # RFC 5321 §4.1.4: like RSET
        session = self.current_session()
        session.extended_smtp = extended
        session.host_name = hostname
        lines = [self.hostname, *self.capabilities()] if extended else [self.hostname]
        for i, line in enumerate(lines):
            sep = " " if i == len(lines) - 1 else "-"
            await SMTP.push(self, f"250{sep}{line}")

    @syntax("EHLO hostname")
    async def smtp_EHLO(self, hostname: str) -> None:
        await self._greet(hostname, extended=True)

    @syntax("HELO hostname")
    async def smtp_HELO(self, hostname: str) -> None:
        await self._greet(hostname, extended=False)

    @syntax("STARTTLS", when="tls_context")
    async def smtp_STARTTLS(self, arg: str) -> None:
        """STARTTLS (RFC 3207). aiosmtpd would start a second TLS layer inside the first."""
        if self.tls_active():
            await self.reply(Reply(503, "5.5.1", "TLS already active"))
            return
        await super().smtp_STARTTLS(arg)

    # -- AUTH (RFC 4954) ----------------------------------------------------------------------------
    @syntax("AUTH <mechanism> [initial-response]")
    async def smtp_AUTH(self, arg: str | None) -> None:
        """AUTH PLAIN / LOGIN. States: after EHLO, under TLS, not authenticated, no transaction."""
        if await self.check_helo_needed("EHLO"):
            return
        refusal = self._auth_refusal()
        if refusal is not None:
            await self.reply(refusal)
            return
        mechanism, _, initial = (arg or "").strip().partition(" ")
        mechanism = mechanism.upper()
        if mechanism not in ("PLAIN", "LOGIN"):
            await self.reply(replies.AUTH_UNKNOWN_MECHANISM if mechanism else replies.SYNTAX)
            return
        ip = self.current_session().client_ip
        if self._throttle.blocked(ip):
            log.warning("%s: AUTH refused, too many failures", ip)
            await self.reply(replies.AUTH_THROTTLED)
            return
        credentials = await self._sasl(mechanism, initial.strip() or None)
        if isinstance(credentials, Reply):
            await self.reply(credentials)
            return
        if credentials is None:
            return  # the client aborted; aiosmtpd's challenge_auth already answered
        await self._check_credentials(ip, *credentials)

    def _auth_refusal(self) -> Reply | None:
        if self._auth_policy is AuthPolicy.NONE or self._verify_password is None:
            return replies.AUTH_NOT_OFFERED
        if not self.current_session().extended_smtp:
            return replies.BAD_SEQUENCE
        if not self.tls_active():
            return replies.AUTH_NEEDS_TLS
        if self.current_session().account is not None:
            return replies.AUTH_ALREADY
        if self.current_envelope().mail_from:
            return replies.AUTH_IN_TRANSACTION
        return None

    async def _sasl(self, mechanism: str, initial: str | None) -> tuple[str, str] | Reply | None:
        """(login, password) from the SASL exchange, an error reply, or None if aborted."""
        try:
            if mechanism == "PLAIN":
                # RFC 4954 §4: "=" is an empty initial response.
                data = initial if initial not in (None, "=") else None
                if data is None:
                    blob = await self.challenge_auth("")
                    if blob is MISSING:
                        return None
                    data = _b64(blob)
                creds = parse_plain(data)
                if creds.authzid and creds.authzid != creds.authcid:
                    return replies.AUTH_FAILED  # no proxy authorization
                return creds.authcid, creds.password
            login = decode_b64(initial) if initial else await self.challenge_auth("Username:")
            if login is MISSING:
                return None
            password = await self.challenge_auth("Password:")
            if password is MISSING:
                return None
            assert isinstance(login, bytes) and isinstance(password, bytes)
            return login.decode("utf-8"), password.decode("utf-8")
        except (SaslError, ValueError):  # ValueError: bad UTF-8, or a line over the limit
            return replies.AUTH_BAD_RESPONSE

    async def _check_credentials(self, ip: str, login: str, password: str) -> None:
        delay = self._throttle.delay(ip)
        if delay:
            await asyncio.sleep(delay)
        assert self._verify_password is not None
        account = await self._verify_password(login, password)
        self._stats.auth(account is not None)
        if account is None:
            self._throttle.failure(ip)
            log.warning("%s: AUTH failed for %r", ip, login[:100])
            await self.reply(replies.AUTH_FAILED)
            return
        self._throttle.success(ip)
        session = self.current_session()
        session.account = account
        session.authenticated = True
        log.info("%s: authenticated as %s", ip, account.address)
        await self.reply(replies.AUTH_OK)

    # -- DATA (RFC 5321 §4.1.1.4) -------------------------------------------------------------------
    @syntax("DATA")
    async def smtp_DATA(self, arg: str | None) -> None:
        """DATA. States: after at least one accepted RCPT."""
        if await self._unsynchronized_data():
            return
        if await self.check_helo_needed():
            return
        if await self.check_auth_needed("DATA"):
            return
        envelope = self.current_envelope()
        if not envelope.recipients:
            await self.reply(replies.NEED_RCPT if envelope.mail_from else replies.NEED_MAIL)
            return
        if arg:
            await self.reply(Reply(501, "5.5.4", "Syntax: DATA"))
            return
        await self.reply(replies.START_DATA)
        decoder = DataDecoder(self.settings.message_size, self.settings.bare_line_endings)
        if not await self._read_data(decoder):
            return
        result = decoder.result()
        self._set_post_data_state()
        count = len(envelope.recipients) if self.lmtp else 1
        if result.error is not None:
            log.info("%s: DATA refused: %s", self.current_session().client_ip, result.error.value)
            self._log_transaction(envelope, result.wire_size, _DATA_ERRORS[result.error])
            await self.reply(*[_DATA_ERRORS[result.error]] * count)
            return
        try:
            answers = await self.event_handler.deliver(self, self.session, envelope, result.content)
        except Temporary as exc:
            log.warning("%s: delivery failed: %s", self.current_session().client_ip, exc)
            answers = [replies.TEMPORARY] * count
        except Exception:
            # Answered here, not in handle_exception: LMTP needs one reply per recipient.
            log.exception("%s: delivery failed", self.current_session().client_ip)
            answers = [replies.TEMPORARY] * count
        self._reset_timeout()
        self._log_transaction(envelope, len(result.content), *answers)
        if any(answer.positive for answer in answers):
            failpoints.hit("smtp-after-commit")  # crash harness: committed, not acknowledged
        await self.reply(*answers)

    async def _unsynchronized_data(self) -> bool:
        """RFC 2920 §3.1: DATA ends a pipelined group; the client waits for its reply.

        Input already waiting behind DATA is a client that did not wait: had DATA been refused,
        its message lines would run as commands (a smuggled transaction among them). As
        Postfix's ``smtpd_forbid_unauth_pipelining``: answer ``554 5.5.0``, drop what was sent,
        and close the connection.
        """
        buffered = self._reader._buffer  # type: ignore[attr-defined]
        if not buffered:
            return False
        log.warning(
            "%s: %d octets sent after DATA before its reply; closing",
            self.current_session().client_ip,
            len(buffered),
        )
        buffered.clear()
        await self.reply(replies.PIPELINING_SYNC)
        if self.transport is not None:
            self.transport.close()
        return True

    def _log_transaction(self, envelope: Envelope, size: int, *answers: Reply) -> None:
        """One line per mail transaction (the DATA reply), for operators and log pipelines."""
        session = self.current_session()
        log.info(
            "%s transaction",
            "lmtp" if self.lmtp else "smtp",
            extra=event(
                client=session.client_ip,
                helo=session.host_name,
                user=session.account.address if session.account is not None else None,
                sender=envelope.sender,
                recipients=len(envelope.recipients),
                size=size,
                result=answers[0].code if answers else None,
                accepted=sum(a.positive for a in answers),
                id=envelope.message_id,
                tls=self.tls_active(),
            ),
        )

    async def _read_data(self, decoder: DataDecoder) -> bool:
        """Feed the payload to ``decoder``; give back what followed it. False on EOF."""
        leftover = None
        while leftover is None:
            self._reset_timeout(self.settings.data_timeout)
            chunk = await self._reader.read(READ_CHUNK)
            if not chunk:
                return False
            leftover = decoder.feed(chunk)
        if leftover:
            # Pipelined commands after the final dot: back to the command reader.
            self._reader._buffer[:0] = leftover  # type: ignore[attr-defined]
        self._reset_timeout()
        return True


class LMTPProtocol(SMTPProtocol):
    """An LMTP session (RFC 2033): LHLO instead of HELO/EHLO, one reply per recipient."""

    lmtp = True
    ident = "LMTP mailstore"

    @syntax("LHLO hostname")
    async def smtp_LHLO(self, hostname: str) -> None:
        """LHLO (RFC 2033 §4.1)."""
        await self._greet(hostname, extended=True)

    async def smtp_HELO(self, hostname: str) -> None:
        await self.reply(Reply(500, "5.5.1", 'Error: command "HELO" not recognized, use LHLO'))

    async def smtp_EHLO(self, hostname: str) -> None:
        await self.reply(Reply(500, "5.5.1", 'Error: command "EHLO" not recognized, use LHLO'))

    async def check_helo_needed(self, helo: str = "HELO") -> bool:
        return await super().check_helo_needed("LHLO")


def _b64(blob: Any) -> str:
    return base64.b64encode(blob).decode("ascii")
