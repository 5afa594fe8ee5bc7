"""The command parser, table-driven from raw wire lines, plus a hypothesis target."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from servers.pop3.parse import (
    KEYWORDS,
    MAX_LINE,
    Auth,
    BadArguments,
    Capa,
    Dele,
    LineTooLong,
    List,
    Noop,
    ParseError,
    Pass,
    Quit,
    Retr,
    Rset,
    Stat,
    Stls,
    Top,
    Uidl,
    UnknownCommand,
    User,
    parse_command,
    parse_sasl_response,
)

GOOD = [
    (b"USER bob@example.org\r\n", User("bob@example.org")),
    (b"user bob\r\n", User("bob")),
    (b"USER bob\n", User("bob")),  # bare LF accepted
    (b"PASS secret\r\n", Pass("secret")),
    (b"PASS with two  spaces \r\n", Pass("with two  spaces ")),  # RFC 1939 §7: spaces kept
    (b"PASS p\xc3\xa4ss\r\n", Pass("päss")),
    (b"AUTH\r\n", Auth()),
    (b"AUTH plain\r\n", Auth("PLAIN")),
    (b"AUTH PLAIN AGJvYgBzZWNyZXQ=\r\n", Auth("PLAIN", "AGJvYgBzZWNyZXQ=")),
    (b"AUTH PLAIN =\r\n", Auth("PLAIN", "=")),
    (b"STLS\r\n", Stls()),
    (b"CAPA\r\n", Capa()),
    (b"STAT\r\n", Stat()),
    (b"LIST\r\n", List()),
    (b"LIST 3\r\n", List(3)),
    (b"list 3 \r\n", List(3)),  # trailing space tolerated
    (b"UIDL\r\n", Uidl()),
    (b"UIDL 12\r\n", Uidl(12)),
    (b"RETR 1\r\n", Retr(1)),
    (b"RETR 0\r\n", Retr(0)),  # out of range is the handler's answer, not a syntax error
    (b"TOP 1 0\r\n", Top(1, 0)),
    (b"TOP 2 10\r\n", Top(2, 10)),
    (b"DELE 4\r\n", Dele(4)),
    (b"NOOP\r\n", Noop()),
    (b"RSET\r\n", Rset()),
    (b"QUIT\r\n", Quit()),
    (b"Quit\r\n", Quit()),
]

BAD = [
    (b"\r\n", UnknownCommand),
    (b"FOO\r\n", UnknownCommand),
    (b"APOP bob 0123456789abcdef\r\n", UnknownCommand),  # not offered
    (b"LAST\r\n", UnknownCommand),  # RFC 1460, withdrawn
    (b"\xff\xfe\r\n", UnknownCommand),
    (b"STATUS\r\n", UnknownCommand),
    (b"USER\r\n", BadArguments),
    (b"USER \r\n", BadArguments),
    (b"USER \xff\r\n", BadArguments),
    (b"PASS\r\n", BadArguments),
    (b"STAT now\r\n", BadArguments),
    (b"LIST x\r\n", BadArguments),
    (b"LIST 1 2\r\n", BadArguments),
    (b"RETR\r\n", BadArguments),
    (b"RETR -1\r\n", BadArguments),
    (b"RETR 1.5\r\n", BadArguments),
    (b"RETR \xd9\xa1\r\n", BadArguments),  # Arabic-Indic digit one: not ASCII
    (b"RETR 12345678901\r\n", BadArguments),
    (b"TOP 1\r\n", BadArguments),
    (b"TOP 1 x\r\n", BadArguments),
    (b"DELE 1 2\r\n", BadArguments),
    (b"AUTH PLAIN a b\r\n", BadArguments),
    (b"NOOP\x00\r\n", BadArguments),
    (b"USER bob\rPASS x\r\n", BadArguments),
    (b"NOOP " + b"x" * MAX_LINE + b"\r\n", LineTooLong),
]


@pytest.mark.parametrize(("line", "command"), GOOD)
def test_parses(line: bytes, command: object) -> None:
    assert parse_command(line) == command


@pytest.mark.parametrize(("line", "error"), BAD)
def test_rejects(line: bytes, error: type[ParseError]) -> None:
    with pytest.raises(error) as info:
        parse_command(line)
    assert info.value.text  # every error has a reply text


def test_limit_is_inclusive() -> None:
    name = "x" * (MAX_LINE - len("USER \r\n"))
    assert parse_command(f"USER {name}\r\n".encode()) == User(name)
    with pytest.raises(LineTooLong):
        parse_command(f"USER {name}x\r\n".encode())


def test_password_not_in_repr() -> None:
    assert "hunter2" not in repr(parse_command(b"PASS hunter2\r\n"))
    assert "AGJvYgBzZWNyZXQ" not in repr(parse_command(b"AUTH PLAIN AGJvYgBzZWNyZXQ=\r\n"))


def test_every_keyword_has_a_good_example() -> None:
    covered = {line.split()[0].decode().upper() for line, _ in GOOD}
    assert covered == KEYWORDS


def test_sasl_response() -> None:
    assert parse_sasl_response(b"*\r\n").cancelled
    response = parse_sasl_response(b"AGJvYgBzZWNyZXQ=\r\n")
    assert not response.cancelled
    assert response.data == "AGJvYgBzZWNyZXQ="
    with pytest.raises(LineTooLong):
        parse_sasl_response(b"A" * 5000 + b"\r\n")


@given(st.binary(max_size=600))
@example(b"TOP 1 1 1\r\n")
@example(b"AUTH \r\n")
def test_never_raises_anything_else(line: bytes) -> None:
    try:
        parse_command(line)
    except ParseError:
        pass


@given(st.sampled_from(sorted(KEYWORDS)), st.binary(max_size=40))
def test_fuzz_seeded_with_every_command(keyword: str, rest: bytes) -> None:
    try:
        parse_command(keyword.encode() + b" " + rest + b"\r\n")
    except ParseError:
        pass
