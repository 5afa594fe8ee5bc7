"""Lexical pieces: sequence sets, numbers, strings, dates and modified UTF-7."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servers.imap.parse import ParseError, SavedResult, SequenceSet
from servers.imap.parse.lexer import (
    Cursor,
    astring,
    date,
    date_time,
    mod_sequence_valzer,
    nstring,
    number,
    number64,
    nz_number,
    sequence_set,
)
from servers.imap.wire import LiteralData
from servers.imap.wire.mutf7 import decode_mutf7, encode_mutf7

from .helpers import ss


def cursor(text: bytes) -> Cursor:
    return Cursor([text])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"1", ss(1)),
        (b"*", ss(None)),
        (b"1:5", ss((1, 5))),
        (b"5:1", ss((5, 1))),
        (b"1:*", ss((1, None))),
        (b"*:1", ss((None, 1))),
        (b"*:*", ss((None, None))),
        (b"1,3:4,7:*", ss(1, (3, 4), (7, None))),
        (b"4294967295", ss(4294967295)),
        (b"$", SavedResult()),
    ],
)
def test_sequence_set_forms(text: bytes, expected: object) -> None:
    c = cursor(text)
    assert sequence_set(c) == expected
    assert c.at_end()


@pytest.mark.parametrize("text", [b"", b"0", b"01", b"1:", b":1", b"1,", b",", b"4294967296", b"x"])
def test_bad_sequence_sets(text: bytes) -> None:
    c = cursor(text)
    with pytest.raises(ParseError):
        sequence_set(c)
        c.expect_end()


@pytest.mark.parametrize(
    ("sequence", "largest", "resolved"),
    [
        (ss((1, 5)), 10, ((1, 5),)),
        (ss((5, 1)), 10, ((1, 5),)),
        (ss((1, None)), 10, ((1, 10),)),
        (ss((20, None)), 10, ((10, 20),)),  # RFC 9051 §6.4.8: "*" ends the range either way
        (ss(None), 0, ()),  # "*" in an empty mailbox matches nothing
        (ss(3, (1, 2), (8, 9), 4), 100, ((1, 4), (8, 9))),
        (ss((1, 3), (2, 6)), 100, ((1, 6),)),
    ],
)
def test_resolve(
    sequence: SequenceSet, largest: int, resolved: tuple[tuple[int, int], ...]
) -> None:
    assert sequence.resolve(largest) == resolved


def test_contains_and_has_star() -> None:
    assert ss((1, None)).contains(7, 7)
    assert not ss((1, 5)).contains(6, 7)
    assert ss((1, None)).has_star and not ss((1, 5)).has_star


def test_str_and_of() -> None:
    assert str(ss((1, 5), 7, (9, None), None)) == "1:5,7,9:*,*"
    assert SequenceSet.of([9, 1, 2, 3, 7, 10, 2]) == ss((1, 3), 7, (9, 10))
    with pytest.raises(ValueError):
        SequenceSet.of([])


@given(st.sets(st.integers(min_value=1, max_value=2000), min_size=1))
def test_of_resolves_to_its_values(values: set[int]) -> None:
    spans = SequenceSet.of(values).resolve(max(values))
    assert {n for low, high in spans for n in range(low, high + 1)} == values


@pytest.mark.parametrize(
    ("rule", "text", "value"),
    [
        (number, b"0", 0),
        (number, b"007", 7),
        (number, b"4294967295", 2**32 - 1),
        (nz_number, b"1", 1),
        (number64, b"9223372036854775807", 2**63 - 1),
        (mod_sequence_valzer, b"0", 0),
    ],
)
def test_numbers(rule: Callable[[Cursor], int], text: bytes, value: int) -> None:
    assert rule(cursor(text)) == value


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (number, b"4294967296"),
        (number, b""),
        (nz_number, b"0"),
        (nz_number, b"01"),
        (number64, b"9223372036854775808"),
        (number64, b"9" * 5000),  # must not cost a huge int() conversion
        (mod_sequence_valzer, b"9223372036854775808"),
    ],
)
def test_numbers_out_of_range(rule: Callable[[Cursor], int], text: bytes) -> None:
    with pytest.raises(ParseError):
        rule(cursor(text))


@pytest.mark.parametrize(
    ("parts", "value"),
    [
        ([b"atom"], b"atom"),
        ([b"a]b"], b"a]b"),
        ([b'"quoted \\"x\\" \\\\"'], b'quoted "x" \\'),
        ([b'""'], b""),
        ([b'"\xc3\xa9"'], b"\xc3\xa9"),
        ([b"", LiteralData(b"lit\r\neral")], b"lit\r\neral"),
    ],
)
def test_astring(parts: list[bytes | LiteralData], value: bytes) -> None:
    c = Cursor(parts)
    assert astring(c) == value
    assert c.at_end()


def test_nstring() -> None:
    assert nstring(cursor(b"NIL")) is None
    assert nstring(cursor(b"nil")) is None
    assert nstring(cursor(b'"NIL"')) == b"NIL"
    with pytest.raises(ParseError):
        nstring(cursor(b"NILE"))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b"1-Feb-1994", dt.date(1994, 2, 1)),
        (b"01-FEB-1994", dt.date(1994, 2, 1)),
        (b'"29-Feb-2024"', dt.date(2024, 2, 29)),
        (b"31-dec-9999", dt.date(9999, 12, 31)),
    ],
)
def test_date(text: bytes, value: dt.date) -> None:
    assert date(cursor(text)) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b'"17-Jul-1996 02:44:25 -0700"', dt.datetime(1996, 7, 17, 9, 44, 25, tzinfo=dt.UTC)),
        (b'" 7-Jul-1996 02:44:25 +0000"', dt.datetime(1996, 7, 7, 2, 44, 25, tzinfo=dt.UTC)),
        (b'"7-Jul-1996 23:59:59 +2359"', dt.datetime(1996, 7, 7, 0, 0, 59, tzinfo=dt.UTC)),
    ],
)
def test_date_time(text: bytes, value: dt.datetime) -> None:
    parsed = date_time(cursor(text))
    assert parsed == value
    assert parsed.utcoffset() is not None


@pytest.mark.parametrize(
    ("name", "encoded"),
    [
        ("INBOX", b"INBOX"),
        ("A&B", b"A&-B"),
        ("&", b"&-"),
        ("Entwürfe", b"Entw&APw-rfe"),
        ("日本語", b"&ZeVnLIqe-"),
        ("~peter/mail/台北/日本語", b"~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
        ("🐀", b"&2D3cAA-"),
        ("a\u00e9b\u00e9", b"a&AOk-b&AOk-"),
    ],
)
def test_mutf7_vectors(name: str, encoded: bytes) -> None:
    assert encode_mutf7(name) == encoded
    assert decode_mutf7(encoded) == name


@pytest.mark.parametrize(
    "bad", [b"&", b"&Jjo", b"&A-", b"&AGE-", b"&2D0-", b"caf\xc3\xa9", b"a\x01", b"&AOk"]
)
def test_mutf7_rejects(bad: bytes) -> None:
    with pytest.raises(ValueError):
        decode_mutf7(bad)


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_mutf7_round_trip(name: str) -> None:
    encoded = encode_mutf7(name)
    assert encoded.isascii()
    assert decode_mutf7(encoded) == name
