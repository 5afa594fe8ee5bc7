"""Tagged completions and the mapping of engine errors to IMAP response codes.

A handler returns ``Done`` (the tagged OK) or raises ``Failed`` (a tagged NO or BAD). Engine
errors are mapped in ``from_engine``, the one place that knows which code each gets
(RFC 9051 §7.1); handlers that need another code (``[TRYCREATE]`` for an APPEND, COPY or MOVE
target) catch the error themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from servers.imap.engine import (
    AlreadyExists,
    Cannot,
    InvalidArgument,
    MailstoreError,
    NotFound,
    OverQuota,
    Temporary,
)
from servers.imap.wire.codes import ResponseCode, Status

__all__ = ["Done", "Failed", "bad", "from_engine", "no"]


@dataclass(frozen=True)
class Done:
    """The tagged completion of a command; empty ``text`` means "<NAME> completed"."""

    text: str = ""
    code: ResponseCode | None = None
    code_data: str | bytes | None = None
    status: Status = Status.OK


class Failed(Exception):
    """A command that ends in a tagged NO or BAD."""

    def __init__(
        self,
        status: Status,
        text: str,
        code: ResponseCode | None = None,
        code_data: str | bytes | None = None,
    ) -> None:
        super().__init__(text)
        self.done = Done(text, code, code_data, status)


def no(text: str, code: ResponseCode | None = None, code_data: str | bytes | None = None) -> Failed:
    """``raise no("...", ResponseCode.NONEXISTENT)``: a tagged NO."""
    return Failed(Status.NO, text, code, code_data)


def bad(text: str, code: ResponseCode | None = None) -> Failed:
    """``raise bad("...")``: a tagged BAD (the command itself is wrong)."""
    return Failed(Status.BAD, text, code)


_CODES: tuple[tuple[type[MailstoreError], ResponseCode], ...] = (
    (NotFound, ResponseCode.NONEXISTENT),
    (AlreadyExists, ResponseCode.ALREADYEXISTS),
    (OverQuota, ResponseCode.OVERQUOTA),
    (Cannot, ResponseCode.CANNOT),
    (InvalidArgument, ResponseCode.CANNOT),
    (Temporary, ResponseCode.UNAVAILABLE),
)


def from_engine(exc: MailstoreError) -> Failed:
    """The tagged NO for an engine error; its message is safe to show (mailstore.errors)."""
    for kind, code in _CODES:
        if isinstance(exc, kind):
            text = "try again later" if kind is Temporary else str(exc) or code.value.lower()
            return no(text, code)
    return no(str(exc) or "failed", ResponseCode.CANNOT)
