"""The IMAP reader and parser over grammar-built commands and random octets.

Grammar: every command name the parser knows (``COMMANDS``, ``UID_COMMANDS``) with 0-5
arguments drawn from the shapes of RFC 9051 §9 (atoms, quoted strings, literals of all four
kinds, sequence sets, parenthesised lists, flags, dates, section specs). Properties:

* the reader frames the same commands whether the octets come at once or cut anywhere;
* ``parse_command`` returns a command or raises ``ParseError`` -- never anything else;
* a parsed command, re-encoded canonically (``tests/imap/parse/reencode.py``), parses back equal.
"""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from servers.imap.parse import COMMANDS, UID_COMMANDS, ParseError, parse_command
from servers.imap.wire import (
    CommandBytes,
    CommandReader,
    LimitExceeded,
    NeedContinuation,
    ReaderEvent,
    ReaderLimits,
)
from tests.imap.parse.helpers import reparse

from .profile import bounded

LIMITS = ReaderLimits(max_line=300, max_literal=64, max_literals=4)

ATOMS = st.sampled_from(
    [
        b"1",
        b"1:*",
        b"2,4:7,*",
        b"$",
        b"0",
        b"4294967296",
        b"INBOX",
        b"inbox",
        b"&AOQ-",
        b"&Jjo",
        b"NIL",
        b"FLAGS",
        b"+FLAGS.SILENT",
        b"-FLAGS",
        b"ALL",
        b"UID",
        b"BODY[]",
        b"BODY.PEEK[HEADER.FIELDS (From To)]",
        b"BINARY[1]<0.10>",
        b"RFC822.SIZE",
        b"ENVELOPE",
        b"\\Seen",
        b"\\Deleted",
        b"\\*",
        b"(\\Seen $Junk)",
        b"()",
        b"(",
        b")",
        b"(UIDNEXT MESSAGES)",
        b"(CHANGEDSINCE 5)",
        b"(QRESYNC (1 2))",
        b'"01-Jan-2024 10:00:00 +0000"',
        b"1-Feb-2024",
        b"CHARSET",
        b"UTF-8",
        b"OR",
        b"NOT",
        b"SUBJECT",
        b"HEADER",
        b"RETURN",
        b"(MIN MAX COUNT ALL SAVE)",
        b"PLAIN",
        b"AHVzZXIAcGFzcw==",
        b"=",
        b"DEFLATE",
        b"*",
        b"%",
        b"~",
        b"\x00",
        b"\xc3\xa4",
        b"\xff",
    ]
)
QUOTED = st.text(alphabet='ab "\\\xe4\r', max_size=6).map(
    lambda text: b'"' + text.encode("utf-8") + b'"'
)


@st.composite
def literal(draw: st.DrawFn) -> bytes:
    data = draw(st.binary(max_size=8) | st.sampled_from([b"INBOX", b"a b", b"\r\n"]))
    size = len(data) + draw(st.sampled_from([0, 0, 0, -1, 1]))
    marker = draw(st.sampled_from(["{%d}", "{%d+}", "~{%d}", "~{%d+}"])) % max(size, 0)
    return marker.encode() + b"\r\n" + data


ARGUMENT = ATOMS | QUOTED | literal() | st.binary(max_size=4)


# Well-formed argument lists per command (RFC 9051 §6), which the draw below then mutates.
TEMPLATES: dict[str, list[list[bytes]]] = {
    "LOGIN": [[b"bob", b'"secret"'], [b"{3}\r\nbob", b"{6+}\r\nsecret"]],
    "AUTHENTICATE": [[b"PLAIN"], [b"PLAIN", b"AGJvYgBzZWNyZXQ="]],
    "SELECT": [[b"INBOX"], [b'"a b"', b"(CONDSTORE)"], [b"x", b"(QRESYNC (1 2 1:5))"]],
    "EXAMINE": [[b"&AOQ-"]],
    "CREATE": [[b"a/b"], [b"x", b"(USE (\\Sent))"]],
    "DELETE": [[b"a"]],
    "RENAME": [[b"a", b"b"]],
    "LIST": [[b'""', b"*"], [b"(SUBSCRIBED)", b'""', b"%", b"RETURN", b"(CHILDREN)"]],
    "STATUS": [[b"INBOX", b"(MESSAGES UIDNEXT UNSEEN)"]],
    "APPEND": [[b"INBOX", b"(\\Seen)", b"{5}\r\nHi\r\n!"], [b"INBOX", b"~{2+}\r\n\x00x"]],
    "FETCH": [[b"1:*", b"(FLAGS UID)"], [b"2", b"BODY.PEEK[1.HEADER]<0.5>"], [b"1", b"ALL"]],
    "STORE": [[b"1", b"+FLAGS", b"(\\Deleted)"], [b"1:2", b"(UNCHANGEDSINCE 3)", b"FLAGS", b"()"]],
    "SEARCH": [
        [b"ALL"],
        [b"CHARSET", b"UTF-8", b"OR", b"NEW", b"SUBJECT", b'"x"'],
        [b"UID", b"1:5"],
    ],
    "SORT": [[b"(DATE)", b"UTF-8", b"ALL"]],
    "THREAD": [[b"REFERENCES", b"UTF-8", b"ALL"]],
    "COPY": [[b"1:3", b"Trash"]],
    "MOVE": [[b"$", b"Junk"]],
    "EXPUNGE": [[b"1:*"]],
    "ENABLE": [[b"CONDSTORE", b"UTF8=ACCEPT"]],
    "ID": [[b"NIL"], [b'("name" "x")']],
    "COMPRESS": [[b"DEFLATE"]],
    "SETQUOTA": [[b'""', b"(STORAGE 10)"]],
    "GETQUOTAROOT": [[b"INBOX"]],
}


@st.composite
def command_line(draw: st.DrawFn) -> bytes:
    tag = draw(st.sampled_from([b"a1", b"a1", b"A.2", b"*", b"+", b"", b"t]"]))
    uid = draw(st.booleans())
    names = sorted(UID_COMMANDS if uid else COMMANDS)
    name = draw(st.sampled_from(names))
    args = list(draw(st.sampled_from(TEMPLATES.get(name, [[]]))))
    for _ in range(draw(st.integers(0, 2))):  # mutate: replace, insert or drop an argument
        position = draw(st.integers(0, len(args)))
        action = draw(st.sampled_from(["replace", "insert", "drop"]))
        if action == "insert" or not args:
            args.insert(position, draw(ARGUMENT))
        elif action == "replace":
            args[min(position, len(args) - 1)] = draw(ARGUMENT)
        else:
            del args[min(position, len(args) - 1)]
    word = name.encode().lower() if draw(st.booleans()) else name.encode()
    sep = draw(st.sampled_from([b" ", b" ", b" ", b"  ", b""]))
    words = [tag, b"UID " + word if uid else word, *args]
    return sep.join(words) + draw(st.sampled_from([b"\r\n", b"\n", b"\r\n", b"\r"]))


def events_of(chunks: list[bytes]) -> list[ReaderEvent]:
    """Run the reader as the session does: synchronizing literals accepted."""
    reader = CommandReader(LIMITS)
    found: list[ReaderEvent] = []
    for chunk in chunks:
        for event in reader.feed(chunk):
            if isinstance(event, NeedContinuation):
                reader.accept_literal()
            found.append(event)
    # an unanswered continuation stops the iterator: resume it as the session would
    for event in reader.feed(b""):
        found.append(event)
    return found


def check_command(event: ReaderEvent, utf8: bool) -> None:
    if not isinstance(event, CommandBytes):
        assert isinstance(event, NeedContinuation | LimitExceeded), event
        return
    try:
        command = parse_command(event.parts, utf8=utf8)
    except ParseError as error:
        assert error.message
        return
    assert reparse(command, utf8=utf8) == command


@bounded(500)
@given(lines=st.lists(command_line(), min_size=1, max_size=4), utf8=st.booleans())
def test_grammar_commands_parse_or_fail_cleanly(lines: list[bytes], utf8: bool) -> None:
    for event in events_of([b"".join(lines)]):
        check_command(event, utf8)


@bounded(300)
@given(
    lines=st.lists(command_line() | st.binary(max_size=30), min_size=1, max_size=4),
    cuts=st.lists(st.integers(0, 400), max_size=10),
)
def test_reader_framing_is_independent_of_chunking(lines: list[bytes], cuts: list[int]) -> None:
    wire = b"".join(lines)
    bounds = sorted({0, len(wire), *(c for c in cuts if c < len(wire))})
    chunks = [wire[a:b] for a, b in itertools.pairwise(bounds)]
    assert events_of(chunks) == events_of([wire])
    assert events_of([bytes([octet]) for octet in wire]) == events_of([wire])
