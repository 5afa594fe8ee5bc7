"""SASL PLAIN (RFC 4616) and LOGIN decoding, shared by SMTP, IMAP and POP3."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass


class SaslError(Exception):
    """Malformed SASL data; answer with the protocol's syntax error."""


@dataclass(frozen=True)
class PlainCredentials:
    authzid: str
    authcid: str
    password: str


def decode_b64(data: bytes | str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise SaslError("invalid base64") from None


def parse_plain(data: bytes | str) -> PlainCredentials:
    """Decode the base64 PLAIN message ``[authzid] NUL authcid NUL passwd``."""
    raw = decode_b64(data)
    parts = raw.split(b"\0")
    if len(parts) != 3 or not parts[1]:
        raise SaslError("malformed PLAIN message")
    try:
        authzid, authcid, password = (p.decode("utf-8") for p in parts)
    except UnicodeDecodeError:
        raise SaslError("PLAIN message is not UTF-8") from None
    return PlainCredentials(authzid, authcid, password)
