"""The one exception the parser raises."""

from __future__ import annotations

from servers.imap.wire.codes import ResponseCode, Status

__all__ = ["ParseError"]


class ParseError(Exception):
    """A command that is not valid IMAP: the session answers ``tag status [code] message``.

    ``tag`` is None when no tag could be read (the answer is then ``* BAD``).
    ``status`` is ``BAD`` except where an RFC asks for ``NO`` (an unsupported
    CHARSET is ``NO [BADCHARSET (...)]``, RFC 9051 §6.4.4).
    """

    def __init__(
        self,
        tag: str | None,
        message: str,
        code: ResponseCode | None = None,
        *,
        code_data: str | None = None,
        status: Status = Status.BAD,
    ) -> None:
        super().__init__(message)
        self.tag = tag
        self.message = message
        self.code = code
        self.code_data = code_data
        self.status = status

    def __repr__(self) -> str:
        return f"ParseError(tag={self.tag!r}, message={self.message!r}, code={self.code!r})"
