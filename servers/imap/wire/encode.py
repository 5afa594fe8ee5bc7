"""Server response encoding: strings, names, flags, sets, dates and status lines.

Every function returns wire ``bytes`` (RFC 9051 §4, §7). Strings become a
quoted string when that is safe and a literal otherwise; 8-bit data, CR and LF
always go in a literal (RFC 9051 §4.3), a literal8 only where the caller asks
(RFC 3516 §4.2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from .codes import ResponseCode, Status
from .mutf7 import encode_mutf7

__all__ = [
    "ATOM_CHARS",
    "CRLF",
    "MONTHS",
    "astring",
    "continuation",
    "date",
    "date_time",
    "flag_list",
    "is_atom",
    "literal",
    "mailbox",
    "nstring",
    "quoted",
    "quoted_or_literal",
    "response_code",
    "sequence_set",
    "tagged",
    "untagged",
    "untagged_status",
]

CRLF = b"\r\n"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# RFC 9051 §9: ATOM-CHAR = <any CHAR except atom-specials>; atom-specials are
# "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]".
ATOM_CHARS = frozenset(range(0x21, 0x7F)) - frozenset(b'(){%*"\\]')
_ASTRING_CHARS = ATOM_CHARS | {0x5D}  # ASTRING-CHAR adds resp-specials "]"
_QUOTABLE = frozenset(range(0x01, 0x80)) - {0x0A, 0x0D}


def _octets(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def is_atom(data: bytes) -> bool:
    """True when ``data`` can be sent as an atom (RFC 9051 §9 ``atom``)."""
    return bool(data) and all(octet in ATOM_CHARS for octet in data)


def quoted(value: str | bytes) -> bytes:
    """A quoted string with ``\\`` and ``"`` escaped; ``ValueError`` if not 7-bit text."""
    data = _octets(value)
    if not all(octet in _QUOTABLE for octet in data):
        raise ValueError("only 7-bit data without NUL, CR or LF can be quoted")
    return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def literal(value: str | bytes, *, binary: bool = False, non_sync: bool = False) -> bytes:
    """``{n}`` CRLF data, or ``~{n}`` for a literal8; ``non_sync`` adds the client's "+"."""
    data = _octets(value)
    plus = b"+" if non_sync else b""
    prefix = b"~" if binary else b""
    return b"%s{%d%s}\r\n%s" % (prefix, len(data), plus, data)


def quoted_or_literal(value: str | bytes, *, binary: bool = False) -> bytes:
    """RFC 9051 §4.3 ``string``: quoted when safe, else a literal (literal8 if ``binary``)."""
    data = _octets(value)
    if all(octet in _QUOTABLE for octet in data):
        return quoted(data)
    return literal(data, binary=binary)


def astring(value: str | bytes) -> bytes:
    """RFC 9051 §9 ``astring``: a bare atom when possible (never the word NIL)."""
    data = _octets(value)
    if data and data.upper() != b"NIL" and all(octet in _ASTRING_CHARS for octet in data):
        return data
    return quoted_or_literal(data)


def nstring(value: str | bytes | None) -> bytes:
    """RFC 9051 §9 ``nstring``: NIL for None, else a string."""
    return b"NIL" if value is None else quoted_or_literal(value)


def mailbox(name: str, *, utf8: bool) -> bytes:
    """A mailbox name: modified UTF-7 (RFC 3501 §5.1.3) unless UTF-8 is enabled (RFC 6855)."""
    if name.upper() == "INBOX":
        return b"INBOX"
    return astring(name.encode("utf-8") if utf8 else encode_mutf7(name))


def flag_list(flags: Iterable[str]) -> bytes:
    """``(\\Seen $Forwarded)``: a parenthesised list of flags (RFC 9051 §9 ``flag-list``)."""
    return b"(" + b" ".join(flag.encode("ascii") for flag in flags) + b")"


def sequence_set(values: Iterable[int]) -> bytes:
    """Compact numbers into ``1:5,7,9:10`` (RFC 9051 §9 ``sequence-set``)."""
    ordered = sorted(set(values))
    if not ordered:
        raise ValueError("a sequence set cannot be empty")
    runs: list[bytes] = []
    start = prev = ordered[0]
    for number in [*ordered[1:], None]:
        if number is not None and number == prev + 1:
            prev = number
            continue
        runs.append(b"%d" % start if start == prev else b"%d:%d" % (start, prev))
        if number is not None:
            start = prev = number
    return b",".join(runs)


def date(day: dt.date) -> bytes:
    """``dd-Mon-yyyy`` (RFC 9051 §9 ``date-text``), as sent in SEARCH keys."""
    return b"%d-%s-%04d" % (day.day, MONTHS[day.month - 1].encode(), day.year)


def date_time(moment: dt.datetime) -> bytes:
    """``"dd-Mon-yyyy hh:mm:ss +zzzz"`` (RFC 9051 §9 ``date-time``); naive means UTC."""
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = round(offset.total_seconds() / 60)
    sign = b"-" if minutes < 0 else b"+"
    hours, mins = divmod(abs(minutes), 60)
    return b'"%2d-%s-%04d %02d:%02d:%02d %s%02d%02d"' % (
        moment.day,
        MONTHS[moment.month - 1].encode(),
        moment.year,
        moment.hour,
        moment.minute,
        moment.second,
        sign,
        hours,
        mins,
    )


def response_code(code: ResponseCode, data: str | bytes | None = None) -> bytes:
    """``[CODE data]`` (RFC 9051 §7.1 ``resp-text-code``)."""
    body = code.value.encode("ascii")
    if data is not None:
        body += b" " + _octets(data)
    return b"[" + body + b"]"


def _text(text: str) -> bytes:
    """RFC 9051 §9 ``text``: no CR or LF, so they become spaces."""
    return text.replace("\r", " ").replace("\n", " ").replace("\0", " ").encode("utf-8")


def _status_line(
    prefix: bytes,
    status: Status,
    text: str,
    code: ResponseCode | None,
    code_data: str | bytes | None,
) -> bytes:
    parts = [prefix, status.value.encode("ascii")]
    if code is not None:
        parts.append(response_code(code, code_data))
    parts.append(_text(text or status.value))
    return b" ".join(parts) + CRLF


def tagged(
    tag: str,
    status: Status,
    text: str,
    code: ResponseCode | None = None,
    code_data: str | bytes | None = None,
) -> bytes:
    """``tag OK [CODE data] text`` CRLF (RFC 9051 §7.1)."""
    return _status_line(tag.encode("ascii"), status, text, code, code_data)


def untagged_status(
    status: Status,
    text: str,
    code: ResponseCode | None = None,
    code_data: str | bytes | None = None,
) -> bytes:
    """``* OK [CODE data] text`` CRLF (RFC 9051 §7.1)."""
    return _status_line(b"*", status, text, code, code_data)


def untagged(data: bytes) -> bytes:
    """``* data`` CRLF, e.g. ``untagged(b"3 EXISTS")`` (RFC 9051 §7)."""
    return b"* " + data + CRLF


def continuation(text: str | bytes = "Ready") -> bytes:
    """``+ text`` CRLF (RFC 9051 §7.5); pass bytes for a base64 SASL challenge."""
    body = text if isinstance(text, bytes) else _text(text)
    return b"+ " + body + CRLF
