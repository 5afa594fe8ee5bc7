"""Response encoding (wire/encode.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servers.imap.parse.lexer import Cursor, astring
from servers.imap.wire import CommandBytes, ResponseCode, Status, encode

from .helpers import commands


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        ("plain", b'"plain"'),
        ("", b'""'),
        ('a"b\\c', b'"a\\"b\\\\c"'),
        ("caf\u00e9", b"{5}\r\ncaf\xc3\xa9"),
        (b"line\r\nbreak", b"{11}\r\nline\r\nbreak"),
        (b"nul\x00", b"{4}\r\nnul\x00"),
        (b"\xff", b"{1}\r\n\xff"),
    ],
)
def test_quoted_or_literal(value: str | bytes, wire: bytes) -> None:
    assert encode.quoted_or_literal(value) == wire


def test_literal8_only_when_asked() -> None:
    assert encode.quoted_or_literal(b"\x00", binary=True) == b"~{1}\r\n\x00"
    assert encode.quoted_or_literal(b"ok", binary=True) == b'"ok"'
    assert encode.literal(b"x", non_sync=True) == b"{1+}\r\nx"


def test_quoted_refuses_unsafe_data() -> None:
    with pytest.raises(ValueError):
        encode.quoted("a\r\nb")


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        ("INBOX", b"INBOX"),
        ("a]b", b"a]b"),
        ("NIL", b'"NIL"'),
        ("", b'""'),
        ("two words", b'"two words"'),
        ("50%", b'"50%"'),
        ("a*", b'"a*"'),
        ("(x)", b'"(x)"'),
        ("{1}", b'"{1}"'),
        ("\u00e9", b"{2}\r\n\xc3\xa9"),
    ],
)
def test_astring(value: str, wire: bytes) -> None:
    assert encode.astring(value) == wire


@given(st.binary(max_size=60))
def test_astring_parses_back(value: bytes) -> None:
    """Whatever astring() writes, the reader and lexer read back as the same octets."""
    if b"\x00" in value:
        return  # NUL cannot be sent in a string at all (RFC 9051 §4.3)
    (found,) = commands(b"a X " + encode.astring(value) + b"\r\n")
    assert isinstance(found, CommandBytes)
    c = Cursor(found.parts)
    c.expect(b"a X ")
    assert astring(c) == value
    assert c.at_end()


def test_nstring() -> None:
    assert encode.nstring(None) == b"NIL"
    assert encode.nstring("NIL") == b'"NIL"'


def test_mailbox_names() -> None:
    assert encode.mailbox("inbox", utf8=False) == b"INBOX"
    assert encode.mailbox("Entwürfe", utf8=False) == b"Entw&APw-rfe"
    assert encode.mailbox("Entwürfe", utf8=True) == b"{9}\r\nEntw\xc3\xbcrfe"
    assert encode.mailbox("Sent Items", utf8=False) == b'"Sent Items"'


def test_flag_list() -> None:
    assert encode.flag_list(["\\Seen", "$Forwarded"]) == b"(\\Seen $Forwarded)"
    assert encode.flag_list([]) == b"()"


@pytest.mark.parametrize(
    ("values", "wire"),
    [
        ([1], b"1"),
        ([1, 2, 3, 4, 5, 7, 9, 10], b"1:5,7,9:10"),
        ([10, 9, 1, 1], b"1,9:10"),
        ([4294967295, 4294967294], b"4294967294:4294967295"),
    ],
)
def test_sequence_set_compaction(values: list[int], wire: bytes) -> None:
    assert encode.sequence_set(values) == wire


def test_empty_sequence_set_is_an_error() -> None:
    with pytest.raises(ValueError):
        encode.sequence_set([])


def test_date_time() -> None:
    cet = dt.timezone(dt.timedelta(hours=1))
    assert (
        encode.date_time(dt.datetime(2024, 3, 5, 7, 8, 9, tzinfo=cet))
        == b'" 5-Mar-2024 07:08:09 +0100"'
    )
    pst = dt.timezone(-dt.timedelta(hours=8, minutes=30))
    assert (
        encode.date_time(dt.datetime(1994, 12, 17, 23, 0, 0, tzinfo=pst))
        == b'"17-Dec-1994 23:00:00 -0830"'
    )
    assert encode.date_time(dt.datetime(2000, 1, 1)) == b'" 1-Jan-2000 00:00:00 +0000"'


def test_date() -> None:
    assert encode.date(dt.date(1994, 2, 1)) == b"1-Feb-1994"


def test_status_lines() -> None:
    assert encode.tagged("a1", Status.OK, "LOGIN completed") == b"a1 OK LOGIN completed\r\n"
    assert (
        encode.tagged("a2", Status.OK, "done", ResponseCode.APPENDUID, "38505 3955")
        == b"a2 OK [APPENDUID 38505 3955] done\r\n"
    )
    assert (
        encode.untagged_status(Status.OK, "read-only", ResponseCode.READ_ONLY)
        == b"* OK [READ-ONLY] read-only\r\n"
    )
    assert encode.tagged("a3", Status.NO, "bad\r\nnews") == b"a3 NO bad  news\r\n"
    assert encode.untagged(b"3 EXISTS") == b"* 3 EXISTS\r\n"
    assert encode.continuation() == b"+ Ready\r\n"
    assert encode.continuation(b"") == b"+ \r\n"
    assert encode.response_code(ResponseCode.UNKNOWN_CTE) == b"[UNKNOWN-CTE]"


def test_response_codes_use_wire_spelling() -> None:
    for code in ResponseCode:
        assert code.value == code.name.replace("_", "-")
    for name in ("ALERT", "TRYCREATE", "CLOSED", "NOMODSEQ", "TOOBIG", "OVERQUOTA", "CLIENTBUG"):
        assert ResponseCode(name).value == name
