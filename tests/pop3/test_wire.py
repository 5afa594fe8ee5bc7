"""CRLF normalisation, octet counts, dot-stuffing and TOP slicing (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servers.pop3.wire import dot_stuff, multiline, to_crlf, top, wire_size

CASES = [
    (b"", b""),
    (b"a\r\nb\r\n", b"a\r\nb\r\n"),
    (b"a\nb\n", b"a\r\nb\r\n"),
    (b"a\r\nb\nc\r\n", b"a\r\nb\r\nc\r\n"),
    (b"a\r\nb", b"a\r\nb\r\n"),  # unterminated last line gets CRLF
    (b"a\rb\r", b"a\r\nb\r\n"),  # bare-CR message: CR is the line end
    (b"a\rb", b"a\r\nb\r\n"),
    (b"a\rb\nc", b"a\rb\r\nc\r\n"),  # with LFs present, a lone CR is content
    (b"x", b"x\r\n"),
]


@pytest.mark.parametrize(("raw", "wire"), CASES)
def test_to_crlf(raw: bytes, wire: bytes) -> None:
    assert to_crlf(raw) == wire
    assert wire_size(raw) == len(wire)


line_bytes = st.lists(
    st.sampled_from([b"\r", b"\n", b"\r\n", b".", b"..", b"a", b"\xe9", b" "]), max_size=60
).map(b"".join)


@given(st.one_of(line_bytes, st.binary(max_size=200)))
def test_size_matches_bytes(raw: bytes) -> None:
    wire = to_crlf(raw)
    assert wire_size(raw) == len(wire)
    assert wire.count(b"\n") == wire.count(b"\r\n")  # no bare LF on the wire
    assert not wire or wire.endswith(b"\r\n")


def unstuff(body: bytes) -> bytes:
    """What a client (as poplib) reconstructs from a multi-line body."""
    lines = body.split(b"\r\n")
    assert lines[-2:] == [b".", b""]
    return b"".join((line[1:] if line.startswith(b".") else line) + b"\r\n" for line in lines[:-2])


@given(st.one_of(line_bytes, st.binary(max_size=200)))
def test_stuffing_round_trips(raw: bytes) -> None:
    wire = to_crlf(raw)
    assert unstuff(multiline(wire)) == wire


def test_dot_stuff() -> None:
    assert dot_stuff(b".\r\n") == b"..\r\n"
    assert dot_stuff(b"a\r\n.b\r\n..c\r\n") == b"a\r\n..b\r\n...c\r\n"
    assert dot_stuff(b"a.b\r\n") == b"a.b\r\n"
    assert multiline(b"") == b".\r\n"


MESSAGE = b"A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (0, b"A: 1\r\nB: 2\r\n\r\n"),
        (2, b"A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n"),
        (3, MESSAGE),
        (10**9, MESSAGE),
    ],
)
def test_top(lines: int, expected: bytes) -> None:
    assert top(MESSAGE, lines) == expected


def test_top_edge_cases() -> None:
    assert top(b"A: 1\r\nB: 2\r\n", 5) == b"A: 1\r\nB: 2\r\n"  # no body: all header
    assert top(b"\r\nbody\r\nmore\r\n", 1) == b"\r\nbody\r\n"  # empty header
    assert top(b"", 3) == b""
