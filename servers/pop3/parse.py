"""The POP3 command parser: one line of bytes in, a frozen command dataclass out (pure code).

RFC 1939 §3: a command is a case-insensitive keyword, then arguments separated by single
spaces, then CRLF. RFC 2449 §4 raises the command length to 255 octets; we accept lines up to
:data:`MAX_LINE` (512 octets including CRLF, the response limit of the same section) so that
long user names and SASL initial responses from lenient clients still fit. A bare LF ending is
accepted. Anything else is a :class:`ParseError` whose subclass says what went wrong; the
session answers ``-ERR`` with :attr:`ParseError.text`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

#: Longest command line in octets, CRLF included (RFC 2449 §4; see the module docstring).
MAX_LINE = 512
#: Longest SASL continuation line (RFC 5034 §4 sets no limit; PLAIN needs < 1 KiB).
MAX_SASL_LINE = 4096
#: Message numbers and TOP line counts longer than this are refused as malformed.
MAX_DIGITS = 10


# -- commands ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class User:
    """RFC 1939 §7: ``USER name`` (the rest of the line)."""

    name: str


@dataclass(frozen=True, slots=True)
class Pass:
    """RFC 1939 §7: ``PASS string``; spaces are part of the password (RFC 1939 §7 note)."""

    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Auth:
    """RFC 5034 §4: ``AUTH mechanism [initial-response]``; no mechanism asks for the list.

    ``mechanism`` is upper case; ``initial`` is the base64 text as sent ("=" is empty).
    """

    mechanism: str | None = None
    initial: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Stls:
    """RFC 2595 §4."""


@dataclass(frozen=True, slots=True)
class Capa:
    """RFC 2449 §5."""


@dataclass(frozen=True, slots=True)
class Stat:
    """RFC 1939 §5."""


@dataclass(frozen=True, slots=True)
class List:
    """RFC 1939 §5: ``LIST [msg]``."""

    msg: int | None = None


@dataclass(frozen=True, slots=True)
class Uidl:
    """RFC 1939 §7: ``UIDL [msg]``."""

    msg: int | None = None


@dataclass(frozen=True, slots=True)
class Retr:
    """RFC 1939 §5: ``RETR msg``."""

    msg: int


@dataclass(frozen=True, slots=True)
class Top:
    """RFC 1939 §7: ``TOP msg n``."""

    msg: int
    lines: int


@dataclass(frozen=True, slots=True)
class Dele:
    """RFC 1939 §5: ``DELE msg``."""

    msg: int


@dataclass(frozen=True, slots=True)
class Noop:
    """RFC 1939 §5."""


@dataclass(frozen=True, slots=True)
class Rset:
    """RFC 1939 §5."""


@dataclass(frozen=True, slots=True)
class Quit:
    """RFC 1939 §4 and §6."""


Command = (
    User | Pass | Auth | Stls | Capa | Stat | List | Uidl | Retr | Top | Dele | Noop | Rset | Quit
)


@dataclass(frozen=True, slots=True)
class SaslResponse:
    """A client's SASL continuation line (RFC 5034 §4): base64 text, or ``*`` to cancel."""

    data: str = field(repr=False)
    cancelled: bool = False


# -- errors -----------------------------------------------------------------------------------
class ParseError(Exception):
    """A line that is not a valid command; ``text`` is the ``-ERR`` reply text."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class LineTooLong(ParseError):
    def __init__(self) -> None:
        super().__init__("line too long")


class UnknownCommand(ParseError):
    def __init__(self, keyword: str) -> None:
        super().__init__("unknown command")
        self.keyword = keyword


class BadArguments(ParseError):
    pass


# -- the parser -------------------------------------------------------------------------------
def _strip_eol(line: bytes, limit: int) -> bytes:
    if len(line) > limit:
        raise LineTooLong()
    if line.endswith(b"\r\n"):
        line = line[:-2]
    elif line.endswith(b"\n"):
        line = line[:-1]
    if any((b < 0x20 and b != 0x09) or b == 0x7F for b in line):
        raise BadArguments("control characters in command line")
    return line


def _text(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadArguments(f"{what} is not UTF-8") from None


def _number(token: bytes, what: str) -> int:
    if not token.isdigit() or len(token) > MAX_DIGITS:  # bytes.isdigit: ASCII 0-9 only
        raise BadArguments(f"invalid {what}")
    return int(token)


def _args(rest: bytes, least: int, most: int, usage: str) -> list[bytes]:
    args = rest.split()  # lenient about repeated spaces and trailing white space
    if not least <= len(args) <= most:
        raise BadArguments(f"syntax: {usage}")
    return args


def _none(make: Callable[[], Command], usage: str) -> Callable[[bytes], Command]:
    def parse(rest: bytes) -> Command:
        _args(rest, 0, 0, usage)
        return make()

    return parse


def _user(rest: bytes) -> User:
    name = _text(rest, "user name").strip()
    if not name:
        raise BadArguments("syntax: USER name")
    return User(name)


def _pass(rest: bytes) -> Pass:
    if not rest:
        raise BadArguments("syntax: PASS password")
    return Pass(_text(rest, "password"))


def _auth(rest: bytes) -> Auth:
    args = _args(rest, 0, 2, "AUTH mechanism [initial-response]")
    if not args:
        return Auth()
    mechanism = _text(args[0], "mechanism").upper()
    initial = _text(args[1], "initial response") if len(args) == 2 else None
    return Auth(mechanism, initial)


def _optional_msg(make: Callable[[int | None], Command], usage: str) -> Callable[[bytes], Command]:
    def parse(rest: bytes) -> Command:
        args = _args(rest, 0, 1, usage)
        return make(_number(args[0], "message number") if args else None)

    return parse


def _msg(make: Callable[[int], Command], usage: str) -> Callable[[bytes], Command]:
    def parse(rest: bytes) -> Command:
        (arg,) = _args(rest, 1, 1, usage)
        return make(_number(arg, "message number"))

    return parse


def _top(rest: bytes) -> Top:
    msg, lines = _args(rest, 2, 2, "TOP msg n")
    return Top(_number(msg, "message number"), _number(lines, "line count"))


_SYNTAX: dict[str, Callable[[bytes], Command]] = {
    "USER": _user,
    "PASS": _pass,
    "AUTH": _auth,
    "STLS": _none(Stls, "STLS"),
    "CAPA": _none(Capa, "CAPA"),
    "STAT": _none(Stat, "STAT"),
    "LIST": _optional_msg(List, "LIST [msg]"),
    "UIDL": _optional_msg(Uidl, "UIDL [msg]"),
    "RETR": _msg(Retr, "RETR msg"),
    "TOP": _top,
    "DELE": _msg(Dele, "DELE msg"),
    "NOOP": _none(Noop, "NOOP"),
    "RSET": _none(Rset, "RSET"),
    "QUIT": _none(Quit, "QUIT"),
}

#: Every keyword the parser knows (CAPA and tests use it).
KEYWORDS = frozenset(_SYNTAX)


def parse_command(line: bytes) -> Command:
    """Parse one command line (with its CRLF or LF); raise a :class:`ParseError` subclass."""
    text = _strip_eol(line, MAX_LINE)
    keyword, _, rest = text.partition(b" ")
    name = keyword.decode("ascii", "replace").upper()
    parse = _SYNTAX.get(name)
    if parse is None:
        raise UnknownCommand(name[:16])
    return parse(rest)


def parse_sasl_response(line: bytes) -> SaslResponse:
    """A SASL continuation line (RFC 5034 §4): ``*`` cancels, anything else is base64 text."""
    text = _strip_eol(line, MAX_SASL_LINE).strip()
    if text == b"*":
        return SaslResponse("", cancelled=True)
    return SaslResponse(_text(text, "SASL response"))
