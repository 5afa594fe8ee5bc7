"""STARTTLS, LOGIN, AUTHENTICATE (RFC 9051 §6.2, SASL-IR RFC 4959) and COMPRESS (RFC 4978).

Plaintext logins are refused without TLS unless the client is on loopback and
``[auth] plaintext_on_loopback`` is on (``LOGINDISABLED`` is advertised then). Failed logins
are slowed down per client address by the shared ``AuthThrottle``; the reply never says
whether the user exists.
"""

from __future__ import annotations

import asyncio
import binascii
import logging
from typing import TYPE_CHECKING

from servers.common.sasl import SaslError, parse_plain
from servers.imap.errors import Done, bad, no
from servers.imap.parse import Authenticate, Compress, Login, StartTls
from servers.imap.wire import ResponseCode, encode

if TYPE_CHECKING:
    from servers.imap.engine import Account
    from servers.imap.session import Session

log = logging.getLogger("servers.imap")


async def starttls(s: Session, cmd: StartTls) -> Done:
    """RFC 9051 §6.2.1 (not authenticated): TLS starts after the tagged OK."""
    if s.transport.secure:
        raise bad("TLS is already active")
    if s.shared.tls is None:
        raise no("TLS is not available", ResponseCode.UNAVAILABLE)
    s.after_reply = s.start_tls
    return Done("begin TLS negotiation now")


async def login(s: Session, cmd: Login) -> Done:
    """RFC 9051 §6.2.3 (not authenticated)."""
    _require_plaintext_ok(s)
    return await _authenticate(s, cmd.userid, cmd.password)


async def authenticate(s: Session, cmd: Authenticate) -> Done:
    """RFC 9051 §6.2.2 (not authenticated): PLAIN only, with or without SASL-IR (RFC 4959)."""
    if cmd.mechanism != "PLAIN":
        raise no(f"unsupported mechanism {cmd.mechanism}", ResponseCode.CANNOT)
    _require_plaintext_ok(s)
    response = cmd.initial_response
    if response is None:
        response = await _sasl_response(s)
    try:
        creds = parse_plain(binascii.b2a_base64(response, newline=False))
    except SaslError as exc:
        raise bad(f"invalid PLAIN response: {exc}") from None
    if creds.authzid and creds.authzid.lower() != creds.authcid.lower():
        raise no("authorization identity must be the user", ResponseCode.AUTHORIZATIONFAILED)
    return await _authenticate(s, creds.authcid, creds.password)


async def compress(s: Session, cmd: Compress) -> Done:
    """RFC 4978 §3 (authenticated, selected): deflate both ways after the tagged OK."""
    if s.transport.compressed:
        raise no("compression is already active", ResponseCode.COMPRESSIONACTIVE)
    s.after_reply = s.start_compression
    return Done("DEFLATE active")


def _require_plaintext_ok(s: Session) -> None:
    """RFC 9051 §6.2.3, §11.1: no cleartext password on an unprotected link."""
    if not s.plaintext_ok():
        raise no("log in over TLS (STARTTLS) first", ResponseCode.PRIVACYREQUIRED)


async def _sasl_response(s: Session) -> bytes:
    """RFC 9051 §6.2.2: an empty challenge, then one base64 line; ``*`` cancels."""
    await s.write(encode.continuation(b""))
    await s.flush()
    line = (await s.read_raw_line()).strip()
    if line == b"*":
        raise bad("authentication cancelled")
    try:
        return binascii.a2b_base64(line) if line != b"=" else b""
    except binascii.Error:
        raise bad("invalid base64 in the SASL response") from None


async def _authenticate(s: Session, user: str, password: str) -> Done:
    """Check the password with the throttle's delay; on success enter the authenticated state."""
    throttle = s.shared.throttle
    address = s.transport.peer_host or s.transport.peer
    if throttle.blocked(address):
        raise no("too many failed logins; try again later", ResponseCode.UNAVAILABLE)
    await asyncio.sleep(throttle.delay(address))
    account: Account | None = await s.store.directory.authenticate(user, password)
    s.shared.stats.auth(account is not None)
    if account is None:
        throttle.failure(address)
        log.info("imap %s: login failed for %r", s.transport.peer, user[:100])
        raise no("invalid credentials", ResponseCode.AUTHENTICATIONFAILED)
    throttle.success(address)
    s.login(account)
    log.info("imap %s: logged in as %s", s.transport.peer, account.address)
    return Done("logged in", ResponseCode.CAPABILITY, " ".join(s.capabilities()))
