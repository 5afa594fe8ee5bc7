"""Connection and authentication commands: STARTTLS, AUTHENTICATE, LOGIN (RFC 9051 §6.2), COMPRESS."""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field

from .lexer import CommandParser, Cursor, astring, keyword, utf8_text
from .model import Command

__all__ = ["COMMANDS", "Authenticate", "Compress", "Login", "StartTls"]

# RFC 9051 §9: base64 = *(4base64-char) [base64-terminal]
_BASE64 = re.compile(rb"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_BASE64_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


@dataclass(frozen=True)
class StartTls(Command):
    """RFC 9051 §6.2.1."""

    NAME = "STARTTLS"


@dataclass(frozen=True)
class Authenticate(Command):
    """RFC 9051 §6.2.2; ``initial_response`` is the decoded SASL-IR (RFC 4959), b"" for "=".

    ``mechanism`` is in upper case.
    """

    NAME = "AUTHENTICATE"
    mechanism: str
    initial_response: bytes | None = field(default=None, repr=False)  # may hold a password


@dataclass(frozen=True)
class Login(Command):
    """RFC 9051 §6.2.3: user name and password, both UTF-8 (RFC 9051 §6.2.3, RFC 6855 §5)."""

    NAME = "LOGIN"
    userid: str
    password: str = field(repr=False)  # kept out of logs


@dataclass(frozen=True)
class Compress(Command):
    """RFC 4978 §3: ``COMPRESS DEFLATE``, the only algorithm defined."""

    NAME = "COMPRESS"
    mechanism: str


def starttls(c: Cursor, tag: str) -> StartTls:
    return StartTls(tag)


def initial_resp(c: Cursor) -> bytes:
    """RFC 4959 §7: ``initial-resp = base64 / "="`` ("=" is an empty response)."""
    token = c.take(_BASE64_CHARS)
    if token == b"=":
        return b""
    if not token:
        c.fail(f"expected a base64 initial response{c.where()}")
    if not _BASE64.fullmatch(token):
        c.fail("the initial response is not valid base64")
    return binascii.a2b_base64(token)


def authenticate(c: Cursor, tag: str) -> Authenticate:
    """RFC 9051 §6.2.2: ``"AUTHENTICATE" SP auth-type [SP initial-resp]``."""
    c.sp()
    mechanism = keyword(c, "SASL mechanism")
    response = initial_resp(c) if c.accept(b" ") else None
    return Authenticate(tag, mechanism, response)


def login(c: Cursor, tag: str) -> Login:
    """RFC 9051 §6.2.3: ``"LOGIN" SP userid SP password``, both astrings."""
    c.sp()
    userid = utf8_text(c, astring(c, "user name"), "user name")
    c.sp()
    password = utf8_text(c, astring(c, "password"), "password")
    return Login(tag, userid, password)


def compress(c: Cursor, tag: str) -> Compress:
    """RFC 4978 §3: ``"COMPRESS" SP algorithm``; anything but DEFLATE is a BAD."""
    c.sp()
    mechanism = keyword(c, "compression algorithm")
    if mechanism != "DEFLATE":
        c.fail(f"unsupported compression algorithm {mechanism}")
    return Compress(tag, mechanism)


COMMANDS: dict[str, CommandParser] = {
    "STARTTLS": starttls,
    "AUTHENTICATE": authenticate,
    "LOGIN": login,
    "COMPRESS": compress,
}
