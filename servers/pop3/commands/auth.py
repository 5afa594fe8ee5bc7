"""AUTHORIZATION-state commands: CAPA, STLS, USER, PASS, AUTH (RFC 1939 §7, RFC 2449 §5,
RFC 2595 §4, RFC 5034 §4)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from servers.common.sasl import SaslError, parse_plain
from servers.pop3.backend import Maildrop
from servers.pop3.connection import LineTooLong
from servers.pop3.parse import (
    MAX_SASL_LINE,
    Auth,
    Capa,
    ParseError,
    Pass,
    Stls,
    User,
    parse_sasl_response,
)
from servers.pop3.replies import BAD_LOGIN, IN_USE, THROTTLED, CommandError, RespCode, ok
from servers.pop3.settings import IMPLEMENTATION, LOCK_TTL
from servers.pop3.state import Authorization, State, Transaction

if TYPE_CHECKING:
    from servers.pop3.session import Session

log = logging.getLogger("servers.pop3")

#: SASL mechanisms offered (when plaintext logins are allowed on the connection).
MECHANISMS = ("PLAIN",)


def capabilities(session: Session) -> list[str]:
    """RFC 2449 §6: the same list in both states; USER and SASL only where a plaintext login
    is allowed, STLS only before TLS."""
    caps = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]
    if session.plaintext_allowed():
        caps += ["USER", "SASL " + " ".join(MECHANISMS)]
    if session.can_stls():
        caps.append("STLS")
    caps.append(f"IMPLEMENTATION {IMPLEMENTATION}")
    return caps


async def capa(session: Session, state: State, command: Capa) -> None:
    """CAPA (RFC 2449 §5). States: AUTHORIZATION, TRANSACTION."""
    await session.reply_lines(ok("capability list follows"), capabilities(session))


async def stls(session: Session, state: Authorization, command: Stls) -> None:
    """STLS (RFC 2595 §4). States: AUTHORIZATION."""
    context = session.shared.tls
    if session.conn.secure:
        raise CommandError("TLS already active")
    if context is None:
        raise CommandError("TLS not available")
    await session.reply(ok("begin TLS negotiation"))
    await session.conn.start_tls(context, session.shared.settings.tls_handshake_timeout)
    session.state = Authorization()  # RFC 2595 §4: forget everything learned before TLS
    log.info("pop3 %s: TLS started", session.conn.peer)


async def user(session: Session, state: Authorization, command: User) -> None:
    """USER (RFC 1939 §7). States: AUTHORIZATION. Always ``+OK``: never tell who exists."""
    session.require_plaintext()
    session.state = Authorization(user=command.name)
    await session.reply(ok("send PASS"))


async def pass_(session: Session, state: Authorization, command: Pass) -> None:
    """PASS (RFC 1939 §7). States: AUTHORIZATION, after USER."""
    session.require_plaintext()
    if state.user is None:
        raise CommandError("send USER first")
    session.state = Authorization()  # the USER is used up, whatever the outcome
    await login(session, state.user, command.password)


async def auth(session: Session, state: Authorization, command: Auth) -> None:
    """AUTH (RFC 5034 §4), PLAIN only (RFC 4616). States: AUTHORIZATION.

    Without a mechanism it lists the mechanisms (the RFC 1734 form clients still send).
    """
    if command.mechanism is None:
        mechanisms = list(MECHANISMS) if session.plaintext_allowed() else []
        await session.reply_lines(ok("SASL mechanisms follow"), mechanisms)
        return
    if command.mechanism not in MECHANISMS:
        raise CommandError("unsupported authentication mechanism")
    session.require_plaintext()
    if command.initial is None:
        response = await sasl_response(session)
    elif command.initial == "=":  # RFC 5034 §4: "=" is an empty initial response
        response = ""
    else:
        response = command.initial
    try:
        credentials = parse_plain(response)
    except SaslError as exc:
        raise CommandError("malformed SASL PLAIN response", detail=str(exc)) from None
    if credentials.authzid and credentials.authzid != credentials.authcid:
        raise CommandError(
            "authorization identity not allowed",
            RespCode.AUTH,
            detail=f"{credentials.authcid!r} asked to act as {credentials.authzid!r}",
        )
    await login(session, credentials.authcid, credentials.password)


async def sasl_response(session: Session) -> str:
    """RFC 5034 §4: an empty challenge (``+ ``), then the client's line or ``*`` to cancel."""
    await session.conn.send(b"+ \r\n")
    try:
        line = await session.conn.readline(MAX_SASL_LINE)
        response = parse_sasl_response(line)
    except LineTooLong:
        raise CommandError("SASL response too long") from None
    except ParseError as exc:
        raise CommandError(exc.text) from None
    if response.cancelled:
        raise CommandError("authentication cancelled")
    return response.data


async def login(session: Session, name: str, password: str) -> None:
    """Check the password (slowed per client address), lock the maildrop, fix its list."""
    shared = session.shared
    address = session.conn.peer_host or session.conn.peer
    if shared.throttle.blocked(address):
        raise CommandError(THROTTLED, detail=f"login for {name!r} refused: address blocked")
    delay = shared.throttle.delay(address)
    if delay:
        await asyncio.sleep(delay)
    account = await shared.store.directory.authenticate(name, password)
    shared.stats.auth(account is not None)
    if account is None:
        shared.throttle.failure(address)
        raise CommandError(BAD_LOGIN, detail=f"failed login for {name!r}")
    shared.throttle.success(address)
    if not shared.locks.acquire(account.id):  # RFC 2449 §8.1.1
        raise CommandError(IN_USE, detail=f"{account.address} already has a POP3 session")
    try:
        # the same lock across every process (a lease row in the database)
        if not await shared.store.locks.acquire(account.id, session.lock_holder, LOCK_TTL):
            raise CommandError(IN_USE, detail=f"{account.address} has a POP3 session elsewhere")
        session.lock_renewed = time.monotonic()
        try:
            maildrop = await Maildrop.open(
                shared.store, account.id, shared.sizes, marks_seen=shared.settings.retr_marks_seen
            )
        except BaseException:
            await shared.store.locks.release(account.id, session.lock_holder)
            raise
    except BaseException:
        shared.locks.release(account.id)
        raise
    session.state = Transaction(account, maildrop)
    count = len(maildrop.listing)
    log.info("pop3 %s: %s logged in, %d messages", session.conn.peer, account.address, count)
    await session.reply(ok(f"maildrop locked and ready, {count} messages"))
