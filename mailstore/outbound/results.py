"""What one delivery attempt says about one recipient: an SMTP reply, ours or the remote's.

Every outcome is a :class:`Reply` with a basic code (RFC 5321 §4.2) and an enhanced status
code (RFC 3463); failures we detect ourselves (DNS, connection, timeouts) get synthesized
replies in the same form, as Postfix does, so logs, ``queue show`` and DSNs read alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})\b")


class Kind(Enum):
    DELIVERED = "delivered"
    DEFERRED = "deferred"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Reply:
    code: int
    status: str  # enhanced status code, e.g. "5.1.1"
    text: str

    @classmethod
    def from_smtp(cls, code: int, message: str) -> Reply:
        """A remote reply; its enhanced code (RFC 3463 §2) when given, else one by class."""
        text = " ".join(message.split())
        m = _ENHANCED.match(text)
        if m and m.group(1) == str(code)[0]:
            return cls(code, m.group(0), text[m.end() :].strip())
        return cls(code, f"{str(code)[0]}.0.0" if code >= 200 else "4.0.0", text)

    @property
    def kind(self) -> Kind:
        if 200 <= self.code < 300:
            return Kind.DELIVERED
        if 500 <= self.code < 600:
            return Kind.FAILED
        return Kind.DEFERRED  # 4xx, and anything unexpected (RFC 5321 §4.2.1 leaves it open)

    def __str__(self) -> str:
        return f"{self.code} {self.status} {self.text}".rstrip()


def temporary(status: str, text: str) -> Reply:
    return Reply(451, status, text)


def permanent(status: str, text: str, code: int = 550) -> Reply:
    return Reply(code, status, text)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One recipient after one attempt."""

    queue_id: int
    recipient: str
    reply: Reply
    #: ``host[address]:port`` that gave the reply (None when no connection was made).
    remote_host: str | None = None
    #: TLS version of the connection ("TLSv1.3"), None for plaintext or no connection.
    tls: str | None = None

    @property
    def kind(self) -> Kind:
        return self.reply.kind
