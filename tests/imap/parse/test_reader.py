"""CommandReader: framing, literals, limits and raw lines (RFC 9051 §4.3, RFC 7888)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servers.imap.wire import (
    CommandBytes,
    CommandReader,
    LineTooLong,
    LiteralData,
    LiteralTooBig,
    NeedContinuation,
    RawLine,
    ReaderEvent,
    ReaderLimits,
    TooManyLiterals,
)

from .helpers import events


def feed_bytewise(reader: CommandReader, wire: bytes) -> list[ReaderEvent]:
    found: list[ReaderEvent] = []
    for index in range(len(wire)):
        for event in reader.feed(wire[index : index + 1]):
            if isinstance(event, NeedContinuation):
                reader.accept_literal()
            found.append(event)
    return found


def test_one_line() -> None:
    assert events(b"a1 NOOP\r\n") == [CommandBytes((b"a1 NOOP",))]


def test_incomplete_line_waits() -> None:
    reader = CommandReader()
    assert list(reader.feed(b"a1 NO")) == []
    assert list(reader.feed(b"OP\r")) == []
    assert list(reader.feed(b"\n")) == [CommandBytes((b"a1 NOOP",))]


def test_bare_lf_ends_a_line() -> None:
    assert events(b"a1 NOOP\n") == [CommandBytes((b"a1 NOOP",))]


def test_pipelined_commands_in_one_chunk() -> None:
    wire = b"a1 NOOP\r\na2 SELECT INBOX\r\na3 LOGIN {1+}\r\nu p\r\n"
    assert events(wire) == [
        CommandBytes((b"a1 NOOP",)),
        CommandBytes((b"a2 SELECT INBOX",)),
        CommandBytes((b"a3 LOGIN ", LiteralData(b"u"), b" p")),
    ]


def test_synchronizing_literal_waits_for_the_session() -> None:
    reader = CommandReader()
    assert list(reader.feed(b"a1 LOGIN {5}\r\n")) == [NeedContinuation("a1", 5, False)]
    with pytest.raises(RuntimeError):
        reader.next_event()
    reader.accept_literal()
    assert list(reader.feed(b"alice secret\r\n")) == [
        CommandBytes((b"a1 LOGIN ", LiteralData(b"alice"), b" secret"))
    ]


def test_literal_contents_are_not_scanned() -> None:
    """CRLF, braces and quotes inside a literal are data, not syntax."""
    data = b'x\r\n{3}\r\n"\r\n'
    found = events(b"a1 LOGIN {%d+}\r\n%s pw\r\n" % (len(data), data))
    assert found == [CommandBytes((b"a1 LOGIN ", LiteralData(data), b" pw"))]


@pytest.mark.parametrize(
    "wire",
    [
        b"a1 LOGIN {5}\r\nalice {6}\r\nsecret\r\na2 NOOP\r\n",
        b"a1 LOGIN {5+}\r\nalice {6+}\r\nsecret\r\na2 NOOP\r\n",
        b"a1 APPEND INBOX (\\Seen) ~{4}\r\n\x00\r\n\xff\r\na2 NOOP\r\n",
        b"a1 APPEND INBOX {0}\r\n\r\na2 NOOP\r\n",
    ],
)
def test_byte_by_byte_feed_matches_one_chunk(wire: bytes) -> None:
    assert feed_bytewise(CommandReader(), wire) == events(wire)


def test_literal_plus_needs_no_continuation() -> None:
    assert events(b"a1 LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n") == [
        CommandBytes((b"a1 LOGIN ", LiteralData(b"alice"), b" ", LiteralData(b"secret"), b""))
    ]


def test_literal8() -> None:
    found = events(b"a1 APPEND INBOX ~{3}\r\n\x00\x01\x02 ~{1+}\r\nx\r\n")
    assert found == [
        NeedContinuation("a1", 3, True),
        CommandBytes(
            (
                b"a1 APPEND INBOX ",
                LiteralData(b"\x00\x01\x02", True),
                b" ",
                LiteralData(b"x", True),
                b"",
            )
        ),
    ]


def test_empty_literal() -> None:
    assert events(b"a1 LOGIN {0+}\r\n {0}\r\n\r\n") == [
        NeedContinuation("a1", 0, False),
        CommandBytes((b"a1 LOGIN ", LiteralData(b""), b" ", LiteralData(b""), b"")),
    ]


def test_reject_literal_drops_the_command() -> None:
    reader = CommandReader()
    assert list(reader.feed(b"a1 APPEND INBOX {999}\r\n")) == [NeedContinuation("a1", 999, False)]
    reader.reject_literal()
    assert list(reader.feed(b"a2 NOOP\r\n")) == [CommandBytes((b"a2 NOOP",))]


def test_accept_without_pending_literal_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        CommandReader().accept_literal()
    with pytest.raises(RuntimeError):
        CommandReader().reject_literal()


def test_oversize_synchronizing_literal_is_rejected_before_reading() -> None:
    reader = CommandReader(ReaderLimits(max_literal=10))
    found = list(reader.feed(b"a1 APPEND INBOX {11}\r\n"))
    assert found == [LiteralTooBig("a1", 10, 11, True)]
    # The client waits for "+", gets the tagged NO [TOOBIG], and goes on.
    assert list(reader.feed(b"a2 NOOP\r\n")) == [CommandBytes((b"a2 NOOP",))]


def test_oversize_literal_plus_is_skipped_unbuffered() -> None:
    """RFC 7888 §4: the octets are already on their way; skip them, then the command's rest."""
    reader = CommandReader(ReaderLimits(max_literal=1000))
    size = 1_000_000
    assert list(reader.feed(b"a1 APPEND INBOX {%d+}\r\n" % size)) == [
        LiteralTooBig("a1", 1000, size, False)
    ]
    chunk = b"\n{5}\r\n" * 1000  # looks like syntax; must not be read as such
    sent = 0
    while sent + len(chunk) <= size:
        assert list(reader.feed(chunk)) == []
        assert reader.buffered == 0
        sent += len(chunk)
    tail = b"x" * (size - sent)
    assert list(reader.feed(tail + b" (\\Seen) {3+}\r\nabc rest\r\na2 NOOP\r\n")) == [
        CommandBytes((b"a2 NOOP",))
    ]


def test_absurd_literal_size_is_too_big() -> None:
    found = events(b"a1 LOGIN {99999999999999999999999999}\r\n")
    assert found == [LiteralTooBig("a1", ReaderLimits().max_literal, 2**63, True)]


def test_overlong_line_is_reported_before_its_end() -> None:
    reader = CommandReader(ReaderLimits(max_line=100))
    assert list(reader.feed(b"a1 SEARCH " + b"x" * 80)) == []
    assert list(reader.feed(b"y" * 80)) == [LineTooLong("a1", 100)]
    for _ in range(100):
        assert list(reader.feed(b"z" * 1000)) == []
        assert reader.buffered <= 32
    assert list(reader.feed(b"\r\na2 NOOP\r\n")) == [CommandBytes((b"a2 NOOP",))]


def test_overlong_line_in_one_chunk() -> None:
    reader = CommandReader(ReaderLimits(max_line=20))
    found = list(reader.feed(b"a1 LOGIN " + b"x" * 30 + b"\r\na2 NOOP\r\n"))
    assert found == [LineTooLong("a1", 20), CommandBytes((b"a2 NOOP",))]


def test_line_limit_counts_text_but_not_literals() -> None:
    reader = CommandReader(ReaderLimits(max_line=30))
    found = events(b"a1 LOGIN {40+}\r\n" + b"x" * 40 + b" y\r\n", reader)
    assert isinstance(found[0], CommandBytes)
    found = events(b"a2 LOGIN {1+}\r\nx " + b"y" * 30 + b"\r\n", reader)
    assert found == [LineTooLong("a2", 30)]


def test_overlong_line_ending_in_literal_plus_skips_the_literal() -> None:
    reader = CommandReader(ReaderLimits(max_line=20))
    wire = b"a1 APPEND " + b"x" * 40 + b" {5+}\r\n\r\n\r\nX rest\r\na2 NOOP\r\n"
    assert events(wire, reader) == [LineTooLong("a1", 20), CommandBytes((b"a2 NOOP",))]


def test_too_many_literals() -> None:
    reader = CommandReader(ReaderLimits(max_literals=2))
    wire = b"a1 X {1+}\r\na {1+}\r\nb {1+}\r\nc {1+}\r\nd\r\na2 NOOP\r\n"
    assert events(wire, reader) == [TooManyLiterals("a1", 2), CommandBytes((b"a2 NOOP",))]


def test_raw_line_for_idle_done() -> None:
    reader = CommandReader()
    assert list(reader.feed(b"a1 IDLE\r\n")) == [CommandBytes((b"a1 IDLE",))]
    reader.expect_raw_line()
    assert list(reader.feed(b"DONE\r\na2 LOGIN {3}\r\n")) == [
        RawLine(b"DONE"),
        NeedContinuation("a2", 3, False),
    ]


def test_raw_line_is_not_scanned_for_literals() -> None:
    reader = CommandReader()
    reader.expect_raw_line()
    assert list(reader.feed(b"dGVzdA== {5}\r\n")) == [RawLine(b"dGVzdA== {5}")]


def test_overlong_raw_line() -> None:
    reader = CommandReader(ReaderLimits(max_line=10))
    reader.expect_raw_line()
    assert list(reader.feed(b"x" * 20)) == [LineTooLong(None, 10)]
    assert list(reader.feed(b"x" * 20 + b"{5+}\r\na1 NOOP\r\n")) == [CommandBytes((b"a1 NOOP",))]


def test_raw_line_only_between_commands() -> None:
    reader = CommandReader()
    list(reader.feed(b"a1 LOGIN {1+}\r\n"))
    with pytest.raises(RuntimeError):
        reader.expect_raw_line()


def test_events_carry_no_tag_when_the_line_has_none() -> None:
    assert events(b"{5}\r\n")[0] == NeedContinuation(None, 5, False)
    assert events(b"+bad {5}\r\n")[0] == NeedContinuation(None, 5, False)


def _auto(reader: CommandReader, chunks: list[bytes]) -> list[ReaderEvent]:
    found: list[ReaderEvent] = []
    for chunk in chunks:
        for event in reader.feed(chunk):
            if isinstance(event, NeedContinuation):
                reader.accept_literal()
            found.append(event)
    return found


STREAM = st.lists(
    st.sampled_from(
        [
            b"a1 NOOP\r\n",
            b"a2 LOGIN {5}\r\nalice {3+}\r\npw\n\r\n",
            b"a3 APPEND INBOX ~{2}\r\n\x00\x00\r\n",
            b"a4 " + b"x" * 70 + b"\r\n",
            b"a5 X {9999+}\r\n" + b"y" * 9999 + b"\r\n",
            b"a6 X {123456789}\r\n",
            b"\r\n",
            b"a7 X {2+}\r\n{}",
            b"a8 X {1+}\r\n\n {0+}\r\n\r\n",
        ]
    ),
    max_size=8,
).map(b"".join)


@settings(max_examples=200, deadline=None)
@given(stream=STREAM, cuts=st.lists(st.integers(min_value=0), max_size=12))
def test_chunking_never_changes_the_events(stream: bytes, cuts: list[int]) -> None:
    """Any split of the stream into chunks yields the same events as one chunk."""
    limits = ReaderLimits(max_line=64, max_literal=5000, max_literals=3)
    positions = sorted({cut % (len(stream) + 1) for cut in cuts})
    chunks = [
        stream[start:end]
        for start, end in zip([0, *positions], [*positions, len(stream)], strict=True)
    ]
    whole = _auto(CommandReader(limits), [stream])
    assert _auto(CommandReader(limits), chunks) == whole
