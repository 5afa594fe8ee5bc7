"""One IMAP connection: the command loop, dispatch, and the mapping of every error to a reply.

The loop takes events from the pure ``CommandReader`` and reads the socket only when the
reader needs more, so pipelined commands wait in the client's TCP window, not in our memory.
Nothing a client sends produces a traceback on the wire: parse errors are BAD (or NO with a
code), engine errors NO with their code (``errors.from_engine``), and a bug is
``NO [SERVERBUG]`` plus one log line (DESIGN.md, behaviour principles).

After each command in the selected state the view is brought up to date (``view.sync``) when
the change listener said something changed -- always for NOOP, CHECK and IDLE, the commands
that exist to poll -- and the updates go out before the tagged completion (RFC 9051 §7).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from mailstore import failpoints
from mailstore.logs import event
from servers.common.metrics import OTHER
from servers.imap import capabilities
from servers.imap.dispatch import TABLE, Entry
from servers.imap.engine import Account, MailstoreError, Store
from servers.imap.errors import Done, Failed, bad, from_engine
from servers.imap.parse import Command, ParseError, parse_command
from servers.imap.settings import MAX_LITERAL_UNAUTHENTICATED, MAX_LITERALS, plaintext_allowed
from servers.imap.shared import Shared
from servers.imap.state import Authenticated, Logout, NotAuthenticated, Selected, State
from servers.imap.transport import ConnectionClosed, Transport
from servers.imap.view import MailboxGone, Modes
from servers.imap.wire import (
    CommandBytes,
    CommandReader,
    LimitExceeded,
    LiteralTooBig,
    NeedContinuation,
    RawLine,
    ReaderEvent,
    ReaderLimits,
    ResponseCode,
    Status,
    encode,
)

log = logging.getLogger("servers.imap")

#: Response octets gathered before they go to the transport (one send, not one per line).
WRITE_CHUNK = 64 * 1024
#: Lingering close after a BYE for unread input (``Session._linger``): at most this long / much.
LINGER_SECONDS = 1.0
LINGER_OCTETS = 1024 * 1024


class Autologout(Exception):
    """No input within the autologout time (RFC 9051 §5.4)."""


class Session:
    """The state machine of one connection (RFC 9051 §3)."""

    def __init__(self, shared: Shared, transport: Transport) -> None:
        self.shared = shared
        self.transport = transport
        self.state: State = NotAuthenticated()
        self.enabled: set[str] = set()  # RFC 5161, upper case
        self.reader = CommandReader(self._limits())
        self.bad_commands = 0
        self.after_reply: Callable[[], Awaitable[None]] | None = None
        self._out = bytearray()
        # for the session summary line (``_summary``)
        self.started = time.monotonic()
        self.commands = 0
        self.user: str | None = None
        self.close_reason = "logout"

    # -- what handlers use -----------------------------------------------------------------
    @property
    def store(self) -> Store:
        return self.shared.store

    @property
    def modes(self) -> Modes:
        enabled = self.enabled
        return Modes(
            condstore="CONDSTORE" in enabled or "QRESYNC" in enabled,
            qresync="QRESYNC" in enabled,
            rev2="IMAP4REV2" in enabled,
            utf8="UTF8=ACCEPT" in enabled or "IMAP4REV2" in enabled,
        )

    async def enable_condstore(self) -> None:
        """RFC 7162 §3.1: a CONDSTORE enabling command; with a mailbox selected the client
        then learns its HIGHESTMODSEQ."""
        if self.modes.condstore:
            return
        self.enabled.add("CONDSTORE")
        match self.state:
            case Selected(_, view):
                line = encode.untagged_status(
                    Status.OK, "CONDSTORE enabled", ResponseCode.HIGHESTMODSEQ, str(view.modseq)
                )
                await self.write(line)

    def account(self) -> Account:
        """The logged-in account (the dispatch table guarantees there is one)."""
        match self.state:
            case Authenticated(account) | Selected(account, _):
                return account
        raise AssertionError(f"no account in state {self.state!r}")

    def selected(self) -> Selected:
        match self.state:
            case Selected() as selected:
                return selected
        raise AssertionError(f"no mailbox selected in state {self.state!r}")

    def plaintext_ok(self) -> bool:
        settings = self.shared.settings
        return plaintext_allowed(
            self.transport.secure, self.transport.peer_host, settings.plaintext_on_loopback
        )

    def capabilities(self) -> list[str]:
        if isinstance(self.state, NotAuthenticated):
            return capabilities.before_login(
                secure=self.transport.secure, plaintext_ok=self.plaintext_ok()
            )
        return capabilities.after_login(
            message_size=self.shared.settings.max_message_size,
            compressed=self.transport.compressed,
        )

    def login(self, account: Account) -> None:
        """Enter the authenticated state; literals may now be as large as a message."""
        self.state = Authenticated(account)
        self.reader.limits = self._limits()
        self.user = account.address

    def close_mailbox(self) -> None:
        """Leave the selected state (CLOSE, UNSELECT, SELECT of another mailbox)."""
        match self.state:
            case Selected(account, view):
                view.detach()
                self.state = Authenticated(account)

    async def write(self, data: bytes) -> None:
        """Queue response octets; hand them on in large pieces, waiting for a slow client."""
        self._out += data
        if len(self._out) >= WRITE_CHUNK:
            self.transport.write(bytes(self._out))
            self._out.clear()
            await self.transport.drain()

    async def flush(self) -> None:
        """Send everything queued (the end of a response, or before waiting for input)."""
        if self._out:
            self.transport.write(bytes(self._out))
            self._out.clear()
        await self.transport.flush()

    # -- the loop --------------------------------------------------------------------------
    async def run(self) -> None:
        log.info("imap %s: connected%s", self.transport.peer, " (TLS)" if self.secure else "")
        try:
            await self._greet()
            while not isinstance(self.state, Logout):
                await self._handle(await self.next_event())
        except ConnectionClosed as exc:
            self.close_reason = "client closed"
            log.info("imap %s: connection closed (%s)", self.transport.peer, exc)
        except Autologout:
            self.close_reason = "autologout"
            log.info("imap %s: autologout", self.transport.peer)
            await self._bye("autologout; idle for too long")
        except MailboxGone:
            self.close_reason = "mailbox deleted"
            log.info("imap %s: selected mailbox deleted", self.transport.peer)
            await self._bye("the selected mailbox was deleted")
        except asyncio.CancelledError:
            self.close_reason = "server stopping"
            log.info("imap %s: session cancelled (server stopping)", self.transport.peer)
            await self._bye("server shutting down")
            raise
        except Exception:
            self.close_reason = "internal error"
            log.exception("imap %s: internal error", self.transport.peer)
            await self._bye("internal server error")
        finally:
            self.close_mailbox()
            await self.transport.close()
            self._summary()

    def _summary(self) -> None:
        """One line per session: who, how long, how much, and why it ended."""
        log.info(
            "imap session ended",
            extra=event(
                client=self.transport.peer,
                user=self.user,
                tls=self.transport.secure,
                duration=round(time.monotonic() - self.started, 3),
                commands=self.commands,
                bytes_in=self.transport.bytes_in,
                bytes_out=self.transport.bytes_out,
                reason=self.close_reason,
            ),
        )

    @property
    def secure(self) -> bool:
        return self.transport.secure

    async def _greet(self) -> None:
        """RFC 9051 §7.1.1: the greeting carries the capabilities."""
        caps = " ".join(self.capabilities())
        text = f"{self.shared.settings.hostname} IMAP server ready"
        await self.write(encode.untagged_status(Status.OK, text, ResponseCode.CAPABILITY, caps))
        await self.flush()

    async def _bye(self, text: str) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1):
                await self.write(encode.untagged_status(Status.BYE, text))
                await self.flush()

    async def next_event(self) -> ReaderEvent:
        """The reader's next event, reading the socket as needed (autologout applies)."""
        while (event := self.reader.next_event()) is None:
            try:
                async with asyncio.timeout(self.shared.settings.autologout):
                    data = await self.transport.read()
            except TimeoutError:
                raise Autologout() from None
            self.reader.feed(data)
            if self.reader.literal_partly_read:
                failpoints.hit("imap-append-literal")  # crash harness: half an APPEND read
        return event

    async def _handle(self, event: ReaderEvent) -> None:
        match event:
            case CommandBytes(parts):
                try:
                    command = parse_command(parts, utf8=self.modes.utf8)
                except ParseError as exc:
                    self.commands += 1
                    self.shared.stats.command(OTHER)  # unknown verb, or one that did not parse
                    await self._refuse(exc.tag, exc.status, exc.message, exc.code, exc.code_data)
                    return
                started = time.perf_counter()
                await self.execute(command)
                self.commands += 1
                self.shared.stats.command(command.name, time.perf_counter() - started)
            case NeedContinuation():
                self.reader.accept_literal()  # the size is within the reader's limit
                await self.write(encode.continuation("Ready for literal data"))
                await self.flush()
            case LiteralTooBig(tag=tag, synchronizing=sync):
                # RFC 7888 §4 / RFC 4469: refused before the client sends it (when it waits)
                status = Status.NO if sync else Status.BAD
                await self._refuse(tag, status, "literal too big", ResponseCode.TOOBIG)
                if not sync and not isinstance(self.state, Logout):
                    # A LITERAL+ client is already sending it, up to 2**63 octets: rather
                    # than read and drop all that, say why and hang up (RFC 7888 §4).
                    log.info("imap %s: non-synchronizing literal too big", self.transport.peer)
                    await self.write(
                        encode.untagged_status(
                            Status.BYE, "literal too big; closing the connection"
                        )
                    )
                    await self.flush()
                    await self._linger()
                    self.state = Logout()
            case LimitExceeded(tag=tag):
                await self._refuse(tag, Status.BAD, "command too long or too many literals")
            case RawLine():  # only asked for by IDLE and AUTHENTICATE, which read it themselves
                await self._refuse(None, Status.BAD, "unexpected line")

    async def _linger(self) -> None:
        """A lingering close: drop what the client still sends, for a moment, before closing.

        Closing a socket with unread input makes the kernel send a reset, which can destroy
        our last response (the BYE) before the client has read it.
        """
        with contextlib.suppress(ConnectionClosed, TimeoutError):
            async with asyncio.timeout(LINGER_SECONDS):
                dropped = 0
                while dropped < LINGER_OCTETS:
                    dropped += len(await self.transport.read())

    async def _refuse(
        self,
        tag: str | None,
        status: Status,
        text: str,
        code: ResponseCode | None = None,
        code_data: str | None = None,
    ) -> None:
        """Answer a command that never ran; too many of these end the connection."""
        line = (
            encode.tagged(tag, status, text, code, code_data)
            if tag is not None
            else encode.untagged_status(status, text, code, code_data)
        )
        await self.write(line)
        await self.flush()
        self.bad_commands += 1
        if self.bad_commands >= self.shared.settings.max_bad_commands:
            log.info("imap %s: too many bad commands", self.transport.peer)
            self.close_reason = "too many bad commands"
            await self.write(encode.untagged_status(Status.BYE, "too many invalid commands"))
            await self.flush()
            self.state = Logout()

    # -- one command -----------------------------------------------------------------------
    async def execute(self, command: Command) -> None:
        entry = TABLE.get(command.name)
        if entry is None:  # pragma: no cover - the parser knows the same names
            await self._refuse(command.tag, Status.BAD, f"{command.name} is not supported")
            return
        if not isinstance(self.state, entry.states):
            await self._refuse(command.tag, Status.BAD, self._wrong_state(command.name))
            return
        done = await self._run_handler(entry, command)
        await self._send_updates(entry)
        text = done.text or f"{command.name} completed"
        await self.write(encode.tagged(command.tag, done.status, text, done.code, done.code_data))
        await self.flush()
        if self.after_reply is not None:
            hook, self.after_reply = self.after_reply, None
            await hook()

    def _wrong_state(self, name: str) -> str:
        match self.state:
            case NotAuthenticated():
                return f"{name}: log in first"
            case Selected():
                return f"{name} is not allowed with a mailbox selected"
        return f"{name} needs a selected mailbox"

    async def _run_handler(self, entry: Entry, command: Command) -> Done:
        try:
            return await entry.handler(self, command) or Done()
        except Failed as failed:
            return failed.done
        except MailstoreError as exc:
            log.info("imap %s: %s: %s", self.transport.peer, command.name, exc)
            return from_engine(exc).done
        except (ConnectionClosed, Autologout, MailboxGone, asyncio.CancelledError):
            raise
        except Exception:
            log.exception("imap %s: %s failed", self.transport.peer, command.name)
            return Done("internal server error", ResponseCode.SERVERBUG, status=Status.NO)

    async def _send_updates(self, entry: Entry) -> None:
        """RFC 9051 §7: what changed meanwhile, before the tagged completion."""
        match self.state:
            case Selected(_, view) if entry.poll or view.dirty:
                lines = await self.sync(expunge_ok=entry.expunge_ok)
            case Selected(_, view) if entry.expunge_ok and view.pending:
                lines = view.expunged((), self.modes)  # held back during a FETCH, STORE...
            case _:
                return
        for line in lines:
            await self.write(line)

    async def sync(self, *, expunge_ok: bool) -> list[bytes]:
        """``view.sync`` with engine trouble logged instead of failing the command."""
        view = self.selected().view
        try:
            return await view.sync(self.store, self.modes, expunge_ok=expunge_ok)
        except MailstoreError as exc:
            log.warning("imap %s: sync failed: %s", self.transport.peer, exc)
            view.dirty = True
            return []

    # -- raw lines (AUTHENTICATE responses, IDLE's DONE) ------------------------------------
    async def read_raw_line(
        self,
        wake: asyncio.Event | None = None,
        on_wake: Callable[[], Awaitable[None]] | None = None,
    ) -> bytes:
        """The client's next line, unparsed; ``on_wake`` runs whenever ``wake`` is set."""
        self.reader.expect_raw_line()
        read: asyncio.Future[bytes] | None = None
        try:
            async with asyncio.timeout(self.shared.settings.autologout):
                while (event := self.reader.next_event()) is None:
                    read = read or asyncio.ensure_future(self.transport.read())
                    if await _woken(read, wake) and on_wake is not None:
                        await on_wake()
                    if read.done():
                        data, read = read.result(), None
                        self.reader.feed(data)
        except TimeoutError:
            raise Autologout() from None
        finally:
            if read is not None:
                read.cancel()
        if isinstance(event, RawLine):
            return event.data
        if isinstance(event, LimitExceeded):
            raise bad("line too long")
        raise AssertionError(f"unexpected reader event {event!r}")  # pragma: no cover

    # -- connection layers -----------------------------------------------------------------
    async def start_tls(self) -> None:
        """RFC 9051 §6.2.1: after the tagged OK; pipelined plaintext is discarded."""
        assert self.shared.tls is not None
        await self.transport.start_tls(self.shared.tls, self.shared.settings.tls_handshake_timeout)
        self.reader = CommandReader(self._limits())
        log.info("imap %s: TLS started", self.transport.peer)

    async def start_compression(self) -> None:
        """RFC 4978 §3: deflate from the next octet on; plaintext sent early is dropped."""
        self.transport.start_compression()
        if self.reader.buffered:
            self.reader = CommandReader(self._limits())

    def _limits(self) -> ReaderLimits:
        settings = self.shared.settings
        authenticated = not isinstance(self.state, NotAuthenticated)
        return ReaderLimits(
            max_line=settings.max_line,
            max_literal=(
                settings.max_message_size if authenticated else MAX_LITERAL_UNAUTHENTICATED
            ),
            max_literals=MAX_LITERALS,
        )


async def _woken(read: asyncio.Future[bytes], wake: asyncio.Event | None) -> bool:
    """Wait until the client sent something or ``wake`` is set; True in the second case."""
    if wake is None:
        await asyncio.wait({read})
        return False
    woken = asyncio.ensure_future(wake.wait())
    waits: set[asyncio.Future[Any]] = {woken, read}
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        woken.cancel()
    return wake.is_set()
