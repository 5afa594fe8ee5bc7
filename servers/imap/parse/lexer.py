"""Lexical rules of RFC 9051 §9 (and RFC 3501 §9) over the reader's segments.

A ``Cursor`` walks the text fragments and literals of one command; the
module-level functions are named after the ABNF rules they implement and
either return a value or raise ``ParseError`` through ``Cursor.fail``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import NoReturn, TypeVar

from servers.imap.wire.codes import ResponseCode, Status
from servers.imap.wire.encode import ATOM_CHARS, MONTHS
from servers.imap.wire.mutf7 import decode_mutf7
from servers.imap.wire.reader import LiteralData, Segment

from .errors import ParseError
from .model import Command, SavedResult, SequenceArg, SequenceSet

T = TypeVar("T")
CommandParser = Callable[["Cursor", str], Command]
"""Parses one command's arguments, the cursor just past the command name."""

ASTRING_CHARS = ATOM_CHARS | {0x5D}  # resp-specials "]"
LIST_CHARS = ASTRING_CHARS | frozenset(b"%*")  # list-wildcards
TAG_CHARS = ASTRING_CHARS - {0x2B}  # tag: any ASTRING-CHAR except "+"
DIGITS = frozenset(b"0123456789")
_FIELD_NAME_CHARS = frozenset(range(33, 127)) - {0x3A}  # RFC 5322 ftext

MAX_NUMBER = 2**32 - 1  # RFC 9051 §9 number: unsigned 32-bit
MAX_NUMBER64 = 2**63 - 1  # RFC 9051 §9 number64; RFC 7162 §7 mod-sequence-value

# RFC 9051 §9 system flags, keyed by upper case (flags are case-insensitive, §2.3.2).
SYSTEM_FLAGS = {
    flag.upper(): flag
    for flag in ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft", "\\Recent")
}
_MONTH_NUMBERS = {name.upper().encode(): number for number, name in enumerate(MONTHS, 1)}

_QUOTED = re.compile(rb'"((?:[^"\\\r\n\x00]|\\["\\])*)"')
_QUOTED_PREFIX = re.compile(rb'"(?:[^"\\\r\n\x00]|\\["\\])*')
_UNESCAPE = re.compile(rb'\\(["\\])')
_DATE_TEXT = re.compile(rb"([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})")
_DATE_TIME = re.compile(
    rb'"( [0-9]|[0-9]{1,2})-([A-Za-z]{3})-([0-9]{4}) '
    rb'([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})"'
)


class Cursor:
    """Position in one command's segments: command text with literals in between."""

    def __init__(self, parts: Sequence[Segment], *, utf8: bool = False) -> None:
        # texts[i] is the command text before literals[i]; texts[-1] ends the command.
        self._texts: list[bytes] = [b""]
        self._literals: list[LiteralData] = []
        for part in parts:
            if isinstance(part, LiteralData):
                self._literals.append(part)
                self._texts.append(b"")
            else:
                self._texts[-1] += part
        self._index = 0
        self._text = self._texts[0]
        self._pos = 0
        self.tag: str | None = None
        self.utf8 = utf8

    def fail(
        self,
        message: str,
        code: ResponseCode | None = None,
        *,
        code_data: str | None = None,
        status: Status = Status.BAD,
    ) -> NoReturn:
        raise ParseError(self.tag, message, code, code_data=code_data, status=status)

    def peek(self) -> int:
        """The next octet of command text, or -1 at a literal or the end."""
        return self._text[self._pos] if self._pos < len(self._text) else -1

    def at_end(self) -> bool:
        return self._pos == len(self._text) and self._index == len(self._literals)

    def at_literal(self) -> bool:
        return self._pos == len(self._text) and self._index < len(self._literals)

    def take_literal(self) -> LiteralData:
        if not self.at_literal():
            self.fail("expected a literal")
        literal = self._literals[self._index]
        self._index += 1
        self._text = self._texts[self._index]
        self._pos = 0
        return literal

    def take(self, chars: frozenset[int]) -> bytes:
        """The longest run of octets from ``chars`` (possibly empty)."""
        start = end = self._pos
        text = self._text
        while end < len(text) and text[end] in chars:
            end += 1
        self._pos = end
        return text[start:end]

    def accept(self, token: bytes) -> bool:
        """Consume ``token`` (exact octets) if it comes next."""
        if self._text.startswith(token, self._pos):
            self._pos += len(token)
            return True
        return False

    def accept_word(self, word: bytes) -> bool:
        """Consume the upper-case keyword ``word`` in any case, if a whole word comes next."""
        end = self._pos + len(word)
        if self._text[self._pos : end].upper() != word:
            return False
        if end < len(self._text) and self._text[end] in ATOM_CHARS:
            return False
        self._pos = end
        return True

    def expect(self, token: bytes, what: str | None = None) -> None:
        if not self.accept(token):
            self.fail(f"expected {what or token.decode()}{self.where()}")

    def sp(self) -> None:
        """RFC 9051 §9 ``SP``: exactly one space."""
        self.expect(b" ", "SP")

    def startswith(self, token: bytes) -> bool:
        """True when ``token`` comes next (nothing is consumed)."""
        return self._text.startswith(token, self._pos)

    def match(self, pattern: re.Pattern[bytes]) -> re.Match[bytes] | None:
        """Consume a match of ``pattern`` at the current position, if any."""
        found = pattern.match(self._text, self._pos)
        if found is not None:
            self._pos = found.end()
        return found

    def expect_end(self) -> None:
        if not self.at_end():
            self.fail(f"unexpected text after the command{self.where()}")

    def where(self) -> str:
        """Where the cursor is, for error messages: ", found ..." or " at '...'"."""
        if self.at_literal():
            return ", found a literal"
        if self._pos >= len(self._text):
            return ", found the end of the line"
        snippet = self._text[self._pos : self._pos + 12].decode("ascii", "replace")
        return f" at {snippet!r}"


# -- atoms and strings (RFC 9051 §4.1, §4.3) ------------------------------------


def atom(c: Cursor, what: str = "atom", chars: frozenset[int] = ATOM_CHARS) -> bytes:
    """RFC 9051 §9 ``atom`` = 1*ATOM-CHAR (``chars`` widens it for astring/list-mailbox)."""
    run = c.take(chars)
    if c.peek() >= 0x80:
        c.fail("8-bit characters are only allowed in quoted strings and literals")
    if not run:
        c.fail(f"expected {what}{c.where()}")
    return run


def keyword(c: Cursor, what: str = "keyword") -> str:
    """An atom compared case-insensitively, returned in upper case."""
    return atom(c, what).decode("ascii").upper()


def quoted(c: Cursor) -> bytes:
    """RFC 9051 §9 ``quoted``, unescaped; 8-bit text is allowed (RFC 9051 QUOTED-CHAR)."""
    found = c.match(_QUOTED)
    if found is not None:
        return _UNESCAPE.sub(rb"\1", found.group(1))
    c.match(_QUOTED_PREFIX)  # skip the valid part to name what stopped it
    if c.peek() == -1:
        c.fail("unterminated quoted string")
    if c.peek() == 0x5C:  # "\"
        c.fail('only \\" and \\\\ may be escaped in a quoted string')
    c.fail("CR, LF and NUL are not allowed in a quoted string")


def literal(c: Cursor, *, binary_ok: bool = False) -> LiteralData:
    """RFC 9051 §9 ``literal`` (framed by the reader); ``literal8`` only if ``binary_ok``."""
    if _literal_mid_line(c):
        c.fail("a literal must end its line: {n} CRLF")
    data = c.take_literal()
    if data.binary and not binary_ok:
        c.fail("literal8 is only allowed in APPEND")
    if not data.binary and b"\x00" in data.data:
        c.fail("NUL is not allowed in a literal; use literal8")
    return data


def _literal_mid_line(c: Cursor) -> bool:
    """A literal marker that the reader did not frame: it was not at the end of a line."""
    return c.startswith(b"{") or c.startswith(b"~{")


def string(c: Cursor, what: str = "string") -> bytes:
    """RFC 9051 §9 ``string`` = quoted / literal."""
    if c.peek() == 0x22:
        return quoted(c)
    if c.at_literal() or _literal_mid_line(c):
        return literal(c).data
    c.fail(f"expected {what}{c.where()}")


def astring(c: Cursor, what: str = "astring") -> bytes:
    """RFC 9051 §9 ``astring`` = 1*ASTRING-CHAR / string."""
    if c.peek() == 0x22 or c.at_literal() or _literal_mid_line(c):
        return string(c, what)
    return atom(c, what, ASTRING_CHARS)


def nstring(c: Cursor, what: str = "nstring") -> bytes | None:
    """RFC 9051 §9 ``nstring`` = string / nil."""
    if c.accept_word(b"NIL"):
        return None
    return string(c, what)


def utf8_text(c: Cursor, data: bytes, what: str) -> str:
    """Decode ``data`` as UTF-8 (RFC 9051 §4.3: strings are UTF-8)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        c.fail(f"{what} is not valid UTF-8")


def ascii_text(c: Cursor, data: bytes, what: str) -> str:
    if not data.isascii():
        c.fail(f"{what} must be US-ASCII")
    return data.decode("ascii")


def header_fld_name(c: Cursor) -> str:
    """RFC 9051 §9 ``header-fld-name = astring``, checked against RFC 5322 §3.6.8 ftext."""
    name = ascii_text(c, astring(c, "header field name"), "header field name")
    if not name or any(ord(char) not in _FIELD_NAME_CHARS for char in name):
        c.fail(f"invalid header field name {name!r}")
    return name


# -- numbers (RFC 9051 §9, RFC 7162 §7) -------------------------------------------


def _digits(c: Cursor, what: str, low: int, high: int) -> int:
    digits = c.take(DIGITS)
    if not digits:
        c.fail(f"expected {what}{c.where()}")
    if low > 0 and digits[0] == 0x30:
        c.fail(f"{what} must not start with 0")
    significant = digits.lstrip(b"0")
    if len(significant) > 20 or not low <= int(significant or b"0") <= high:
        c.fail(f"{what} out of range")
    return int(significant or b"0")


def number(c: Cursor, what: str = "number") -> int:
    """``number``: 0 .. 2^32-1."""
    return _digits(c, what, 0, MAX_NUMBER)


def nz_number(c: Cursor, what: str = "nz-number") -> int:
    """``nz-number``: 1 .. 2^32-1, no leading zero."""
    return _digits(c, what, 1, MAX_NUMBER)


def number64(c: Cursor, what: str = "number64") -> int:
    """``number64``: 0 .. 2^63-1."""
    return _digits(c, what, 0, MAX_NUMBER64)


def nz_number64(c: Cursor, what: str = "nz-number64") -> int:
    """``nz-number64``: 1 .. 2^63-1."""
    return _digits(c, what, 1, MAX_NUMBER64)


def mod_sequence_value(c: Cursor) -> int:
    """RFC 7162 §7 ``mod-sequence-value``: 1 .. 2^63-1."""
    return _digits(c, "mod-sequence", 1, MAX_NUMBER64)


def mod_sequence_valzer(c: Cursor) -> int:
    """RFC 7162 §7 ``mod-sequence-valzer``: 0 .. 2^63-1."""
    return _digits(c, "mod-sequence", 0, MAX_NUMBER64)


# -- sequence sets (RFC 9051 §9, RFC 5182 §2.1) -----------------------------------


def seq_number(c: Cursor) -> int | None:
    """``seq-number`` = nz-number / "*" (None)."""
    return None if c.accept(b"*") else nz_number(c, "sequence number")


def sequence_set(c: Cursor, *, saved: bool = True) -> SequenceArg:
    """``sequence-set``, or ``$`` (RFC 5182) when ``saved`` allows it."""
    if c.accept(b"$"):
        if not saved:
            c.fail("$ is not allowed here")
        return SavedResult()
    ranges: list[tuple[int | None, int | None]] = []
    while True:
        low = seq_number(c)
        high = seq_number(c) if c.accept(b":") else low
        ranges.append((low, high))
        if not c.accept(b","):
            return SequenceSet(tuple(ranges))


def plain_sequence_set(c: Cursor, *, star: bool = True) -> SequenceSet:
    """A ``sequence-set`` without ``$`` (and without ``*`` unless ``star``)."""
    found = sequence_set(c, saved=False)
    assert isinstance(found, SequenceSet)
    if not star and found.has_star:
        c.fail("* is not allowed in this set")
    return found


# -- lists ---------------------------------------------------------------------------


def parenthesized(c: Cursor, item: Callable[[Cursor], T], *, empty: bool = False) -> tuple[T, ...]:
    """``"(" item *(SP item) ")"``; ``empty`` also allows ``()``."""
    c.expect(b"(")
    if c.accept(b")"):
        if not empty:
            c.fail("the list must not be empty")
        return ()
    items = [item(c)]
    while c.accept(b" "):
        items.append(item(c))
    c.expect(b")")
    return tuple(items)


# -- mailbox names (RFC 9051 §5.1, RFC 3501 §5.1.3, RFC 6855 §3) --------------------


def mailbox_name(c: Cursor, raw: bytes) -> str:
    """Decode a name: UTF-8 when enabled (RFC 6855), else modified UTF-7.

    Control characters are refused: names are Net-Unicode (RFC 9051 §5.1, RFC 5198).
    Net-Unicode is NFC (RFC 5198 §2; RFC 6855 §3), so a name is normalised to NFC: "café"
    spelt with a combining accent and with a precomposed one is the same mailbox, never two
    look-alike mailboxes (or a SELECT of one that opens the other by surprise).
    """
    if c.utf8:
        name = utf8_text(c, raw, "mailbox name")
    else:
        try:
            name = decode_mutf7(raw)
        except ValueError as exc:
            c.fail(f"bad mailbox name: {exc}")
    if any(ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in name):
        c.fail("control characters are not allowed in mailbox names")
    return name if name.isascii() else unicodedata.normalize("NFC", name)


def mailbox(c: Cursor) -> str:
    """``mailbox`` = "INBOX" / astring; INBOX in any case becomes "INBOX"."""
    raw = astring(c, "mailbox name")
    return "INBOX" if raw.upper() == b"INBOX" else mailbox_name(c, raw)


def list_mailbox(c: Cursor) -> str:
    """``list-mailbox`` = 1*list-char / string (with the ``%`` and ``*`` wildcards)."""
    if c.peek() == 0x22 or c.at_literal() or _literal_mid_line(c):
        return mailbox_name(c, string(c))
    return mailbox_name(c, atom(c, "mailbox pattern", LIST_CHARS))


# -- flags (RFC 9051 §2.3.2) --------------------------------------------------------------


def flag_keyword(c: Cursor) -> str:
    """``flag-keyword`` = atom."""
    return atom(c, "keyword").decode("ascii")


def flag(c: Cursor) -> str:
    """``flag``: a system flag in canonical case, ``\\`` extension, or keyword."""
    if c.accept(b"\\"):
        name = "\\" + atom(c, "flag").decode("ascii")
        return SYSTEM_FLAGS.get(name.upper(), name)
    return flag_keyword(c)


def flag_list(c: Cursor) -> tuple[str, ...]:
    """``flag-list`` = "(" [flag *(SP flag)] ")"."""
    return parenthesized(c, flag, empty=True)


# -- dates (RFC 9051 §9) ---------------------------------------------------------------


def _calendar_date(c: Cursor, day: bytes, month: bytes, year: bytes) -> dt.date:
    number = _MONTH_NUMBERS.get(month.upper())
    if number is None:
        c.fail(f"unknown month {month.decode()!r}")
    try:
        return dt.date(int(year), number, int(day))
    except ValueError:
        c.fail("invalid date")


def date(c: Cursor) -> dt.date:
    """``date`` = date-text / DQUOTE date-text DQUOTE; date-text = dd-Mon-yyyy."""
    quote = c.accept(b'"')
    found = c.match(_DATE_TEXT)
    if found is None:
        c.fail(f"expected a date like 1-Feb-2024{c.where()}")
    if quote:
        c.expect(b'"')
    return _calendar_date(c, *found.groups())


def date_time(c: Cursor) -> dt.datetime:
    """``date-time`` = DQUOTE dd-Mon-yyyy SP hh:mm:ss SP zone DQUOTE."""
    found = c.match(_DATE_TIME)
    if found is None:
        c.fail(f'expected a date-time like "01-Feb-2024 13:05:00 +0100"{c.where()}')
    day, month, year, hour, minute, second, sign, zone_h, zone_m = found.groups()
    day_of = _calendar_date(c, day.strip(), month, year)
    offset = dt.timedelta(hours=int(zone_h), minutes=int(zone_m))
    if int(zone_m) >= 60 or offset >= dt.timedelta(hours=24):
        c.fail("invalid time zone")
    zone = dt.timezone(-offset if sign == b"-" else offset)
    try:
        return dt.datetime.combine(
            day_of, dt.time(int(hour), int(minute), int(second)), tzinfo=zone
        )
    except ValueError:
        c.fail("invalid time of day")
