"""One POP3 session: the command loop, dispatch, and the mapping of every error to a reply.

Nothing a client sends produces a traceback on the wire: parse errors, refusals
(:class:`~servers.pop3.replies.CommandError`), engine errors (``Temporary`` -> ``-ERR
[SYS/TEMP]``) and bugs (``-ERR [SYS/PERM]``, then the connection closes) all end as one ``-ERR``
line and one log line. A session that ends without QUIT deletes nothing and releases its lock
(RFC 1939 §6).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid

from mailstore.errors import MailstoreError, Temporary
from mailstore.logs import event
from servers.common.metrics import OTHER

from .connection import Connection, ConnectionClosed, IdleTimeout, LineTooLong
from .dispatch import TABLE
from .parse import MAX_LINE, Command, ParseError, parse_command
from .replies import (
    AUTOLOGOUT,
    INTERNAL,
    LINE_TOO_LONG,
    NOT_IN_STATE,
    PLAINTEXT_DISALLOWED,
    TEMPORARY,
    TOO_MANY_BAD,
    CommandError,
    Reply,
    RespCode,
    err,
    ok,
)
from .settings import LOCK_RENEW_EVERY, LOCK_TTL, plaintext_allowed
from .shared import Shared
from .state import Authorization, State, Transaction, Update
from .wire import multiline

log = logging.getLogger("servers.pop3")

#: Seconds to wait for a client to take the autologout or internal-error reply.
LAST_WORDS_TIMEOUT = 5.0


class Session:
    def __init__(self, shared: Shared, conn: Connection) -> None:
        self.shared = shared
        self.conn = conn
        self.state: State = Authorization()
        self.closing = False
        self.bad_commands = 0
        #: This session's name in the database's maildrop lock (unique across processes).
        self.lock_holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self.lock_renewed = 0.0
        # for the session summary line (``end``)
        self.started = time.monotonic()
        self.commands = 0
        self.close_reason = "quit"

    # -- the loop ------------------------------------------------------------------------------
    async def run(self) -> None:
        log.info("pop3 %s: connected%s", self.conn.peer, " (TLS)" if self.conn.secure else "")
        try:
            # RFC 1939 §4: the greeting (no APOP timestamp: APOP is not offered)
            await self.reply(ok(f"{self.shared.settings.hostname} POP3 server ready"))
            while not self.closing:
                try:
                    line = await self.conn.readline(MAX_LINE)
                except LineTooLong:
                    await self.bad_command(LINE_TOO_LONG, "command line too long")
                    continue
                await self.execute(line)
        except ConnectionClosed as exc:
            self.close_reason = "client closed"
            log.info("pop3 %s: connection closed by client (%s)", self.conn.peer, exc)
        except IdleTimeout:
            # RFC 1939 §3: the autologout timer expired; no UPDATE state
            self.close_reason = "autologout"
            log.info("pop3 %s: idle timeout", self.conn.peer)
            await self.last_words(AUTOLOGOUT)
        except asyncio.CancelledError:
            self.close_reason = "server stopping"
            log.info("pop3 %s: session cancelled (server stopping)", self.conn.peer)
            raise
        except Exception:
            self.close_reason = "internal error"
            log.exception("pop3 %s: internal error", self.conn.peer)
            await self.last_words(INTERNAL)
        finally:
            await self.end()

    async def execute(self, line: bytes) -> None:
        """Parse, check the state in the dispatch table, run the handler, map its errors."""
        self.commands += 1
        try:
            command = parse_command(line)
        except ParseError as exc:
            self.shared.stats.command(OTHER)  # unknown verb, or one that did not parse
            await self.bad_command(err(exc.text), f"{type(exc).__name__}: {exc.text}")
            return
        started = time.perf_counter()
        try:
            await self._execute(command)
        finally:
            self.shared.stats.command(type(command).__name__.upper(), time.perf_counter() - started)

    async def _execute(self, command: Command) -> None:
        entry = TABLE[type(command)]
        await self.renew_lock()
        if not isinstance(self.state, entry.states):
            name = type(command).__name__.upper()
            await self.fail(NOT_IN_STATE, f"{name} in {type(self.state).__name__}")
            return
        try:
            await entry.handler(self, self.state, command)
        except CommandError as exc:
            await self.fail(exc.reply, exc.detail)
        except Temporary as exc:
            await self.fail(TEMPORARY, f"engine: {exc}")
        except MailstoreError as exc:
            await self.fail(err("server error", RespCode.SYS_PERM), f"engine: {exc!r}")

    async def release_locks(self, account_id: int) -> None:
        """Free the maildrop in this process and in the database (idempotent)."""
        self.shared.locks.release(account_id)
        if self.lock_renewed:
            self.lock_renewed = 0.0
            try:
                await self.shared.store.locks.release(account_id, self.lock_holder)
            except MailstoreError as exc:  # the lease expires by itself
                log.warning("pop3 %s: could not release the maildrop lock: %s", self.conn.peer, exc)

    async def renew_lock(self) -> None:
        """Keep the maildrop lease alive while the session works (at most once a minute)."""
        if not isinstance(self.state, Transaction):
            return
        if time.monotonic() - self.lock_renewed < LOCK_RENEW_EVERY:
            return
        self.lock_renewed = time.monotonic()
        try:
            await self.shared.store.locks.renew(self.state.account.id, self.lock_holder, LOCK_TTL)
        except MailstoreError as exc:
            log.warning("pop3 %s: could not renew the maildrop lock: %s", self.conn.peer, exc)

    async def end(self) -> None:
        """Release what the session holds; apply nothing (UPDATE only comes through QUIT)."""
        try:
            match self.state:
                case (
                    Transaction(account=account, maildrop=maildrop)
                    | Update(account=account, maildrop=maildrop)
                ):
                    try:
                        await maildrop.flush_seen()
                    finally:
                        await self.release_locks(account.id)
        finally:
            await self.conn.close()
            log.info("pop3 %s: disconnected", self.conn.peer)
            self._summary()

    def _summary(self) -> None:
        """One line per session: who, how long, how much, and why it ended."""
        match self.state:
            case Transaction(account=account) | Update(account=account):
                user: str | None = account.address
            case _:
                user = None
        log.info(
            "pop3 session ended",
            extra=event(
                client=self.conn.peer,
                user=user,
                tls=self.conn.secure,
                duration=round(time.monotonic() - self.started, 3),
                commands=self.commands,
                bytes_in=self.conn.bytes_in,
                bytes_out=self.conn.bytes_out,
                reason=self.close_reason,
            ),
        )

    # -- replies -------------------------------------------------------------------------------
    async def reply(self, reply: Reply) -> None:
        await self.conn.send(reply.encode())

    async def reply_lines(self, reply: Reply, lines: list[str]) -> None:
        """A multi-line response (RFC 1939 §3) of short text lines."""
        body = "".join(f"{line}\r\n" for line in lines).encode("utf-8")
        await self.conn.send(reply.encode(), multiline(body))

    async def last_words(self, reply: Reply) -> None:
        """A final reply before closing, not waiting long for a client that does not read."""
        with contextlib.suppress(ConnectionClosed, IdleTimeout, TimeoutError):
            async with asyncio.timeout(LAST_WORDS_TIMEOUT):
                await self.reply(reply)

    async def fail(self, reply: Reply, detail: str) -> None:
        log.info("pop3 %s: %s (%s)", self.conn.peer, reply.encode().decode().rstrip(), detail)
        await self.reply(reply)

    async def bad_command(self, reply: Reply, detail: str) -> None:
        self.bad_commands += 1
        if self.bad_commands >= self.shared.settings.max_bad_commands:
            self.closing = True
            self.close_reason = "too many bad commands"
            await self.fail(TOO_MANY_BAD, detail)
            return
        await self.fail(reply, detail)

    # -- policy --------------------------------------------------------------------------------
    def plaintext_allowed(self) -> bool:
        return plaintext_allowed(
            self.conn.secure, self.conn.peer_host, self.shared.settings.plaintext_on_loopback
        )

    def require_plaintext(self) -> None:
        if not self.plaintext_allowed():
            raise CommandError(PLAINTEXT_DISALLOWED, detail="plaintext login without TLS")

    def can_stls(self) -> bool:
        return not self.conn.secure and self.shared.tls is not None
