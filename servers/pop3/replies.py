"""POP3 replies: ``+OK``/``-ERR`` status lines with RFC 2449 §8 response codes.

A reply line is at most 512 octets including CRLF (RFC 2449 §4); ours are short, fixed texts.
The text a client sees is generic; details go to the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RespCode(StrEnum):
    """Response codes (RFC 2449 §8, RFC 3206); values are the wire spelling."""

    IN_USE = "IN-USE"  # RFC 2449 §8.1.1: the maildrop is locked by another session
    LOGIN_DELAY = "LOGIN-DELAY"  # RFC 2449 §8.1.2 (not used: we never refuse for frequency)
    SYS_TEMP = "SYS/TEMP"  # RFC 3206 §4: a temporary system problem, try later
    SYS_PERM = "SYS/PERM"  # RFC 3206 §4: a permanent system problem
    AUTH = "AUTH"  # RFC 3206 §5: the failure is about the credentials or the login policy


@dataclass(frozen=True, slots=True)
class Reply:
    """One status line."""

    ok: bool
    text: str
    code: RespCode | None = None

    def encode(self) -> bytes:
        status = "+OK" if self.ok else "-ERR"
        code = f"[{self.code}] " if self.code else ""
        text = f"{status} {code}{self.text}" if self.text or code else status
        return text.encode("utf-8") + b"\r\n"


def ok(text: str = "") -> Reply:
    return Reply(True, text)


def err(text: str, code: RespCode | None = None) -> Reply:
    return Reply(False, text, code)


class CommandError(Exception):
    """A handler's refusal: the session answers ``reply`` (always ``-ERR``) and logs ``detail``.

    ``reply`` is a :class:`Reply` constant or the text of a new one (with ``code``).
    """

    def __init__(
        self, reply: Reply | str, code: RespCode | None = None, *, detail: str = ""
    ) -> None:
        self.reply = err(reply, code) if isinstance(reply, str) else reply
        super().__init__(self.reply.text)
        self.detail = detail or self.reply.text


# Fixed replies used in more than one place.
NOT_IN_STATE = err("command not valid in this state")
UNKNOWN_COMMAND = err("unknown command")
LINE_TOO_LONG = err("line too long")
TOO_MANY_BAD = err("too many bad commands, closing connection")
TEMPORARY = err("temporary server failure, try again later", RespCode.SYS_TEMP)
INTERNAL = err("internal server error", RespCode.SYS_PERM)
PLAINTEXT_DISALLOWED = err(
    "plaintext authentication disallowed on non-secure connections, use STLS", RespCode.AUTH
)
BAD_LOGIN = err("invalid login or password", RespCode.AUTH)
THROTTLED = err("too many failed logins, try again later", RespCode.SYS_TEMP)
IN_USE = err("maildrop already in use by another session", RespCode.IN_USE)
AUTOLOGOUT = err("autologout: idle for too long")
