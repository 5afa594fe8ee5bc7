"""Header fields the SMTP server writes or inspects: pure code over bytes.

* ``Received`` trace field (RFC 5321 §4.4) with the WITH keyword of RFC 3848 / RFC 6531 §3.7.3
  and, when encrypted, the TLS version and cipher as a comment (as Postfix writes it).
* ``Date`` and ``Message-ID`` for submission when the client left them out (RFC 6409 §8.2,
  §8.3; RFC 5322 §3.6.1, §3.6.4).
* The ``From:`` addresses, for the submission ownership check.
"""

from __future__ import annotations

import email.utils
import ipaddress
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

#: Field names we look for in a header block: at a line start, before optional WSP and ":".
_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]*:", re.MULTILINE)
#: Characters allowed in the HELO name and id we copy into Received (no comments, no ";").
_UNSAFE = re.compile(r"[^A-Za-z0-9.\-:\[\]_]")


@dataclass(frozen=True, slots=True)
class TLSInfo:
    version: str
    cipher: str
    bits: int

    def comment(self) -> str:
        return f"(using {self.version} with cipher {self.cipher} ({self.bits}/{self.bits} bits))"


def new_id() -> str:
    """A short random id for Received ``id`` and log lines."""
    return secrets.token_hex(8).upper()


def protocol_keyword(
    *, lmtp: bool, extended: bool, tls: bool, authenticated: bool, utf8: bool
) -> str:
    """The Received WITH keyword: ESMTP, ESMTPSA, LMTPS, UTF8SMTPA ... (RFC 3848, RFC 6531)."""
    if utf8:
        base = "UTF8LMTP" if lmtp else "UTF8SMTP"
    elif lmtp:
        base = "LMTP"
    elif extended:
        base = "ESMTP"
    else:
        return "SMTP"
    return base + ("S" if tls else "") + ("A" if authenticated else "")


def address_literal(ip: str) -> str:
    """``[192.0.2.1]`` / ``[IPv6:2001:db8::1]`` (RFC 5321 §4.1.3)."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return "[unknown]"
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return f"[{addr.ipv4_mapped}]"
        return f"[IPv6:{addr.compressed}]"
    return f"[{addr}]"


def received_field(
    *,
    helo: str | None,
    client_ip: str,
    by: str,
    protocol: str,
    message_id: str,
    tls: TLSInfo | None = None,
    recipient: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """A folded ``Received:`` field with its CRLF (RFC 5321 §4.4 Time-stamp-line).

    ``recipient`` goes in the FOR clause only when the message has exactly one (privacy).
    """
    helo_name = _UNSAFE.sub("_", helo or "unknown") or "unknown"
    lines = [
        f"Received: from {helo_name} ({address_literal(client_ip)})",
        f"by {by} (mailstore) with {protocol} id {_UNSAFE.sub('_', message_id)}",
    ]
    if tls is not None:
        lines.append(tls.comment())
    stamp = email.utils.format_datetime(now or datetime.now(UTC))
    if recipient:
        lines.append(f"for <{recipient}>; {stamp}")
    else:
        lines[-1] += ";"
        lines.append(stamp)
    return ("\r\n\t".join(lines) + "\r\n").encode("utf-8", "surrogateescape")


def header_block(raw: bytes) -> bytes:
    """The top-level header section (without the empty line that ends it)."""
    if raw.startswith(b"\r\n"):
        return b""
    end = raw.find(b"\r\n\r\n")
    return raw if end < 0 else raw[: end + 2]


def field_names(raw: bytes) -> set[str]:
    """Lower-case names of the top-level header fields present."""
    return {m.group(1).decode("ascii").lower() for m in _FIELD.finditer(header_block(raw))}


def field_values(raw: bytes, name: str) -> list[str]:
    """Unfolded values of every top-level field called ``name`` (UTF-8, lossless)."""
    values = []
    wanted = name.lower().encode("ascii")
    current: list[bytes] | None = None
    for line in header_block(raw).split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and current is not None:
            current.append(line)
            continue
        if current is not None:
            values.append(b"".join(current))
            current = None
        key, colon, value = line.partition(b":")
        if colon and key.rstrip(b" \t").lower() == wanted:
            current = [value]
    if current is not None:
        values.append(b"".join(current))
    return [v.decode("utf-8", "surrogateescape").strip() for v in values]


def from_addresses(raw: bytes) -> list[str]:
    """The addr-specs of every ``From:`` field; an unparsable mailbox yields ``""``."""
    values = field_values(raw, "from")
    return [addr for _, addr in email.utils.getaddresses(values)] if values else []


def submission_fields(raw: bytes, hostname: str, now: float | None = None) -> bytes:
    """``Date`` and ``Message-ID`` fields to prepend when the message has none (RFC 6409 §8)."""
    present = field_names(raw)
    added = b""
    if "date" not in present:
        added += f"Date: {email.utils.formatdate(now, localtime=False)}\r\n".encode()
        added = added.replace(b"-0000", b"+0000")
    if "message-id" not in present:
        stamp = int(now if now is not None else time.time())
        added += f"Message-ID: <{stamp}.{secrets.token_hex(10)}@{hostname}>\r\n".encode()
    return added
