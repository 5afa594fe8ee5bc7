"""Properties: the parser only ever raises ParseError, and what it accepts round-trips.

Seeded with every line of the tables: a mutated line that still parses must,
re-encoded canonically (``reencode.encode_command``), parse back to an equal
dataclass.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from servers.imap.parse import Command, ParseError, parse_command
from servers.imap.wire import CommandBytes, LiteralData

from .helpers import commands, parse_wire, reparse
from .table_commands import ANY_STATE, APPEND, AUTH, MAILBOX, SELECTED
from .table_errors import TAGGED, UNTAGGED
from .table_fetch import FETCH
from .table_search import SEARCH

TABLE = ANY_STATE + AUTH + MAILBOX + APPEND + SELECTED + FETCH + SEARCH
SEEDS = [line for line, _ in TABLE] + TAGGED + UNTAGGED

# Octets and tokens that make mutations hit interesting grammar.
TOKENS = [
    *(bytes([octet]) for octet in b' ()[]<>{}"\\*%$:.,+-~0123456789azAZ\r\n\x00\x7f\x80\xff'),
    b"NIL",
    b"UID ",
    b"NOT ",
    b"OR ",
    b"{0}\r\n",
    b"{3+}\r\nabc",
    b"~{1}\r\n\x00",
    b"BODY[",
    b"HEADER.FIELDS (",
    b"&AOQ-",
    b"4294967296",
    b"9223372036854775808",
    b'"',
]


@pytest.mark.parametrize(
    ("line", "expected"), TABLE, ids=[line.decode("latin-1")[:50] for line, _ in TABLE]
)
def test_table_round_trip(line: bytes, expected: Command) -> None:
    assert reparse(expected) == expected
    assert reparse(expected, utf8=True) == expected


@st.composite
def mutated_lines(draw: st.DrawFn) -> bytes:
    line = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        position = draw(st.integers(min_value=0, max_value=len(line)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "splice"]))
        if action == "insert":
            line[position:position] = draw(st.sampled_from(TOKENS))
        elif action == "delete":
            line[position : position + draw(st.integers(1, 4))] = b""
        elif action == "replace":
            line[position : position + 1] = draw(st.sampled_from(TOKENS))
        else:
            other = draw(st.sampled_from(SEEDS))
            cut = draw(st.integers(min_value=0, max_value=len(other)))
            line[position:] = other[cut:]
    return bytes(line)


def check_line(line: bytes, *, utf8: bool) -> None:
    for found in commands(line + b"\r\n"):
        try:
            command = parse_command(found.parts, utf8=utf8)
        except ParseError as error:
            assert error.message
            continue
        assert reparse(command, utf8=utf8) == command


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=mutated_lines(), utf8=st.booleans())
@example(line=b"a UID SEARCH NOT NEW OR 1 $", utf8=False)
def test_mutated_lines_round_trip_or_fail_cleanly(line: bytes, utf8: bool) -> None:
    check_line(line, utf8=utf8)


@settings(max_examples=500, deadline=None)
@given(text=st.binary(max_size=200))
def test_arbitrary_bytes_only_raise_parse_error(text: bytes) -> None:
    try:
        command = parse_command([text])
    except ParseError:
        return
    assert reparse(command) == command


SEGMENT = st.one_of(
    st.binary(max_size=40),
    st.sampled_from(SEEDS),
    st.builds(LiteralData, st.binary(max_size=20), st.booleans()),
)


@settings(max_examples=500, deadline=None)
@given(parts=st.lists(SEGMENT, max_size=6), utf8=st.booleans())
def test_arbitrary_segments_only_raise_parse_error(
    parts: list[bytes | LiteralData], utf8: bool
) -> None:
    try:
        parse_command(parts, utf8=utf8)
    except ParseError:
        pass


def test_every_seed_is_classified() -> None:
    """Sanity: every table line parses, every error line fails, through the same path."""
    for line, _ in TABLE:
        parse_wire(line)
    for line in TAGGED + UNTAGGED:
        with pytest.raises(ParseError):
            parse_wire(line)
    assert all(isinstance(found, CommandBytes) for found in commands(b"a NOOP\r\n"))
