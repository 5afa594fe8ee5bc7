"""Mail address normalisation: lower-case domains (IDNA A-labels), lower-case local parts."""

from __future__ import annotations

import re

from mailstore.errors import InvalidArgument

_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
#: RFC 5321 §4.5.3.1: local part at most 64 octets, whole path at most 256.
MAX_LOCAL = 64
MAX_ADDRESS = 254


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def has_control_character(text: str) -> bool:
    """NUL, CR, LF, TAB, ESC... or DEL: never part of a mail address (RFC 5321 §4.1.2).

    An address with one would be written back into SMTP commands (a forward's RCPT TO, a
    bounce's MAIL FROM) and header fields, where a CR or LF is command or header injection,
    and into PostgreSQL text, which refuses NUL.
    """
    return _CONTROL.search(text) is not None


def normalize_domain(domain: str) -> str:
    """Lower-case ASCII form of a domain; IDNs become A-labels (``xn--``)."""
    name = domain.strip().rstrip(".").lower()
    if not name:
        raise InvalidArgument("empty domain")
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidArgument(f"invalid domain name: {domain!r}") from None
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 1 or not all(_DOMAIN_LABEL.match(lbl) for lbl in labels):
        raise InvalidArgument(f"invalid domain name: {domain!r}")
    return name


def split_address(address: str) -> tuple[str, str]:
    """``Local@Domain`` to (lower-case local part, normalised domain)."""
    addr = address.strip()
    if addr.startswith("<") and addr.endswith(">"):
        addr = addr[1:-1]
    local, at, domain = addr.rpartition("@")
    if not at or not domain:
        raise InvalidArgument(f"not an address: {address!r}")
    if not local:
        raise InvalidArgument(f"empty local part: {address!r}")
    if any(c in local for c in " <>") or has_control_character(local):
        raise InvalidArgument(f"invalid local part: {address!r}")
    if len(local.encode()) > MAX_LOCAL:
        raise InvalidArgument(f"invalid local part: {address!r}")
    return local.lower(), normalize_domain(domain)


def normalize_address(address: str) -> str:
    local, domain = split_address(address)
    result = f"{local}@{domain}"
    if len(result.encode()) > MAX_ADDRESS:
        raise InvalidArgument(f"address too long: {address!r}")
    return result


def normalize_alias_source(source: str) -> str:
    """An alias source: ``user@domain`` or a catch-all ``@domain``."""
    text = source.strip()
    if text.startswith("@"):
        return "@" + normalize_domain(text[1:])
    return normalize_address(text)
