"""Table-driven: malformed lines raise ParseError with the right tag and status."""

from __future__ import annotations

import pytest

from servers.imap.parse import ParseError
from servers.imap.wire import ResponseCode, Status

from .helpers import parse_wire
from .table_errors import TAGGED, UNTAGGED


def _id(line: bytes) -> str:
    return line.decode("latin-1")[:50]


@pytest.mark.parametrize("line", TAGGED, ids=[_id(line) for line in TAGGED])
def test_bad_line_keeps_its_tag(line: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        parse_wire(line)
    assert caught.value.tag == "a1"
    assert caught.value.message
    assert caught.value.status in (Status.BAD, Status.NO)


@pytest.mark.parametrize("line", UNTAGGED, ids=[_id(line) for line in UNTAGGED])
def test_line_without_a_tag_is_untagged(line: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        parse_wire(line)
    assert caught.value.tag is None


@pytest.mark.parametrize(
    "line",
    [
        b"a1 SEARCH CHARSET KOI8-R ALL",
        b"a1 SORT (DATE) ISO-8859-1 ALL",
        b"a1 THREAD REFERENCES x ALL",
    ],
)
def test_unknown_charset_is_no_badcharset(line: bytes) -> None:
    """RFC 9051 §6.4.4: tagged NO with [BADCHARSET (supported charsets)]."""
    with pytest.raises(ParseError) as caught:
        parse_wire(line)
    assert caught.value.status is Status.NO
    assert caught.value.code is ResponseCode.BADCHARSET
    assert caught.value.code_data == "(UTF-8 US-ASCII)"


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        (b"a1 FOO", "unknown command FOO"),
        (b"a1 UID NOOP", "unknown command UID NOOP"),
        (b'a1 LOGIN "x', "unterminated quoted string"),
        (b'a1 LOGIN "a\\b" c', "escaped"),
        (b"a1 LOGIN {5} x", "literal must end its line"),
        (b"a1 SELECT caf\xc3\xa9", "8-bit"),
        (b"a1 FETCH 4294967296 FLAGS", "out of range"),
        (b"a1 SEARCH MODSEQ 9223372036854775808", "out of range"),
        (b"a1 NOOP x", "unexpected text after the command"),
        (b"a1 SEARCH " + b"NOT " * 150 + b"ALL", "nested too deeply"),
        (b"a1 UID FETCH 1 FLAGS (VANISHED)", "VANISHED"),
        (b"a1 SELECT ~{1}\r\nx", "literal8"),
    ],
)
def test_error_messages_say_what_is_wrong(line: bytes, fragment: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_wire(line)
    assert fragment in caught.value.message
