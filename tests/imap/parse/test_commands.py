"""Table-driven: every command line parses into its expected dataclass."""

from __future__ import annotations

import pytest

from servers.imap.parse import Command, ParseError, parse_command
from servers.imap.wire import LiteralData, Segment

from .helpers import commands, parse_wire
from .table_commands import ANY_STATE, APPEND, AUTH, MAILBOX, SELECTED
from .table_fetch import FETCH
from .table_search import SEARCH

TABLE = ANY_STATE + AUTH + MAILBOX + APPEND + SELECTED + FETCH + SEARCH


def _id(line: bytes) -> str:
    return line.decode("latin-1")[:60]


@pytest.mark.parametrize(("line", "expected"), TABLE, ids=[_id(line) for line, _ in TABLE])
def test_line_parses_to_dataclass(line: bytes, expected: Command) -> None:
    assert parse_wire(line) == expected


@pytest.mark.parametrize(
    ("line", "name"),
    [
        (b"a FETCH 1 UID", "FETCH"),
        (b"a UID FETCH 1 UID", "UID FETCH"),
        (b"a EXAMINE x", "EXAMINE"),
        (b"a SELECT x", "SELECT"),
        (b"a UID EXPUNGE 1", "UID EXPUNGE"),
        (b"a uid search all", "UID SEARCH"),
        (b"a STATUS x (MESSAGES)", "STATUS"),
    ],
)
def test_dispatch_name(line: bytes, name: str) -> None:
    assert parse_wire(line).name == name


def test_utf8_mailbox_names_when_enabled() -> None:
    """RFC 6855 §3: with UTF8=ACCEPT, names are raw UTF-8 and "&" is just a character."""
    line = b'a CREATE "Entw\xc3\xbcrfe &AOQ-"'
    command = parse_wire(line, utf8=True)
    assert command.mailbox == "Entwürfe &AOQ-"  # type: ignore[attr-defined]
    with pytest.raises(ParseError):
        parse_wire(line, utf8=False)


def test_utf8_mode_still_rejects_invalid_utf8() -> None:
    with pytest.raises(ParseError):
        parse_wire(b'a SELECT "\xff"', utf8=True)


def test_login_repr_hides_password() -> None:
    assert "secret" not in repr(parse_wire(b"a LOGIN alice secret"))
    assert "AHVz" not in repr(parse_wire(b"a AUTHENTICATE PLAIN AHVzZXIAcGFzcw=="))


def test_segments_need_not_come_from_the_reader() -> None:
    """The parser takes any segment list; empty text between literals is implied."""
    parts: list[Segment] = [b"a LOGIN ", LiteralData(b"u"), b" ", LiteralData(b"p")]
    assert parse_command(parts) == parse_wire(b"a LOGIN u p")


def test_pipelined_lines_parse_in_order() -> None:
    wire = b"a1 NOOP\r\na2 LOGIN {1+}\r\nx y\r\na3 LOGOUT\r\n"
    tags = [parse_command(found.parts).tag for found in commands(wire)]
    assert tags == ["a1", "a2", "a3"]
