"""Incremental framing of the client byte stream into commands.

RFC 9051 §2.2.1 and §4.3: a command is one line unless it carries literals; a
line ending in ``{n}`` (synchronizing) waits for the server's ``+`` before the
client sends n octets, ``{n+}`` (RFC 7888, LITERAL+) does not wait, and
``~{n}`` is a literal8 (RFC 3516, BINARY). The reader strips the markers and
CRLFs and hands the parser a tuple of segments: text fragments (``bytes``) and
``LiteralData`` in between, so literal contents are never re-scanned for syntax.

The reader is pure: ``feed()`` bytes in, events out. Every limit is checked
before anything is buffered for it, so no client can make it hold more than
``max_line`` octets of command text plus one declared, accepted literal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum, auto

__all__ = [
    "CommandBytes",
    "CommandReader",
    "LimitExceeded",
    "LineTooLong",
    "LiteralData",
    "LiteralTooBig",
    "NeedContinuation",
    "RawLine",
    "ReaderEvent",
    "ReaderLimits",
    "Segment",
    "TooManyLiterals",
]

_MAX_NUMBER64 = 2**63 - 1
# Longest marker: "~{" + 19 digits + "+}" plus slack for a CR; enough tail to
# recognise a literal at the end of a line whose head was discarded.
_MARKER_TAIL = 32
_MARKER = re.compile(rb"\{([0-9]+)(\+?)\}")
# RFC 9051 §9: tag = 1*<any ASTRING-CHAR except "+">.
_TAG_CHARS = frozenset(range(0x21, 0x7F)) - frozenset(b'(){%*"\\+')


@dataclass(frozen=True)
class LiteralData:
    """The octets of one literal; ``binary`` for a literal8 (RFC 3516 §4.1)."""

    data: bytes
    binary: bool = False


Segment = bytes | LiteralData


@dataclass(frozen=True)
class ReaderLimits:
    """Framing limits (DESIGN.md: everything has a limit).

    ``max_line`` counts the command's text without its literals.
    """

    max_line: int = 64 * 1024
    max_literal: int = 50 * 1024 * 1024
    max_literals: int = 1000


@dataclass(frozen=True)
class CommandBytes:
    """A complete command: text fragments with the literals spliced in between."""

    parts: tuple[Segment, ...]


@dataclass(frozen=True)
class NeedContinuation:
    """A synchronizing literal of ``size`` octets waits for an answer (RFC 9051 §4.3).

    The session calls ``accept_literal()`` and sends ``+ Ready``, or calls
    ``reject_literal()`` and sends the tagged ``NO``/``BAD``; the command is then gone.
    """

    tag: str | None
    size: int
    binary: bool


@dataclass(frozen=True)
class RawLine:
    """The line asked for by ``expect_raw_line()`` (IDLE "DONE", SASL responses)."""

    data: bytes


@dataclass(frozen=True)
class LimitExceeded:
    """Base of the events after which the current command is dropped.

    The session answers with a tagged ``BAD`` (``* BAD`` when ``tag`` is None);
    the reader has already arranged to skip what is left of the command.
    """

    tag: str | None
    limit: int


@dataclass(frozen=True)
class LineTooLong(LimitExceeded):
    """The command text passed ``max_line``; the rest is discarded up to its end."""


@dataclass(frozen=True)
class LiteralTooBig(LimitExceeded):
    """A literal declared more than ``max_literal`` octets.

    For a synchronizing literal the client waits, so nothing is read; the
    answer is a tagged ``NO [TOOBIG]``. A non-synchronizing one (RFC 7888) is
    already on its way: the reader skips its ``size`` octets unbuffered, the
    answer is ``BAD [TOOBIG]``, and the session may prefer to close instead.
    """

    size: int
    synchronizing: bool


@dataclass(frozen=True)
class TooManyLiterals(LimitExceeded):
    """The command carried more than ``max_literals`` literals."""


ReaderEvent = CommandBytes | NeedContinuation | RawLine | LimitExceeded


class _Mode(Enum):
    LINE = auto()
    LITERAL = auto()
    DECIDE = auto()


@dataclass(frozen=True)
class _Marker:
    """A literal announced at the end of a line: ``start`` is where the marker begins."""

    start: int
    size: int
    synchronizing: bool
    binary: bool


class CommandReader:
    """Split a client byte stream into ``ReaderEvent``s.

    Typical use::

        for event in reader.feed(data):
            match event:
                case NeedContinuation(): reader.accept_literal(); send(b"+ Ready\\r\\n")
                case CommandBytes(parts): execute(parse_command(parts))
    """

    def __init__(self, limits: ReaderLimits | None = None) -> None:
        self.limits = limits if limits is not None else ReaderLimits()
        self._buf = bytearray()
        self._scan_from = 0
        self._mode = _Mode.LINE
        self._raw = False
        self._pending: _Marker | None = None
        self._literal = bytearray()
        self._literal_left = 0
        self._literal_binary = False
        self._parts: list[Segment] = []
        self._text_len = 0
        self._literals = 0
        self._discarding = False
        self._tag: str | None = None

    # -- public API -----------------------------------------------------------

    def feed(self, data: bytes) -> Iterator[ReaderEvent]:
        """Buffer ``data`` and return an iterator over the events it completes.

        The iterator is lazy, so the session can answer a ``NeedContinuation``
        in the middle of it and keep iterating; if it has not answered when it
        asks for the next event, the iterator ends (``feed(b"")`` resumes).
        """
        self._buf += data
        return self._events()

    def next_event(self) -> ReaderEvent | None:
        """Return the next event, or None when more input is needed.

        Raises ``RuntimeError`` while a ``NeedContinuation`` is unanswered.
        """
        while True:
            if self._mode is _Mode.DECIDE:
                raise RuntimeError("answer NeedContinuation with accept_literal/reject_literal")
            if self._mode is _Mode.LITERAL:
                if not self._read_literal():
                    return None
                continue
            line = self._take_line()
            if line is None:
                return self._check_partial_line()
            event = self._end_of_line(line)
            if event is not None:
                return event

    def accept_literal(self) -> None:
        """Read the pending synchronizing literal (after sending ``+``)."""
        pending = self._require_pending()
        self._start_literal(pending)

    def reject_literal(self) -> None:
        """Drop the command waiting on a synchronizing literal (RFC 9051 §7.5)."""
        self._require_pending()
        self._reset_command()

    def expect_raw_line(self) -> None:
        """Return the next line as ``RawLine``, unparsed (RFC 9051 §6.3.13, §6.2.2)."""
        if self._mode is not _Mode.LINE or self._parts or self._discarding:
            raise RuntimeError("a raw line can only be expected between commands")
        self._raw = True

    @property
    def literal_partly_read(self) -> bool:
        """A literal has begun to arrive and is not complete (the crash harness's failpoint)."""
        return self._mode is _Mode.LITERAL and bool(self._literal)

    @property
    def buffered(self) -> int:
        """Octets held for the current line (literal data not counted)."""
        return len(self._buf)

    # -- lines ----------------------------------------------------------------

    def _events(self) -> Iterator[ReaderEvent]:
        # Stops at an unanswered NeedContinuation; feed(b"") resumes after the answer.
        while self._mode is not _Mode.DECIDE and (event := self.next_event()) is not None:
            yield event

    def _take_line(self) -> bytes | None:
        end = self._buf.find(b"\n", self._scan_from)
        if end < 0:
            self._scan_from = len(self._buf)
            return None
        line = bytes(self._buf[:end])
        del self._buf[: end + 1]
        self._scan_from = 0
        return line[:-1] if line.endswith(b"\r") else line

    def _check_partial_line(self) -> LineTooLong | None:
        """Bound an unterminated line: past ``max_line`` report it once, then discard."""
        if not self._discarding:
            if self._text_len + len(self._buf) <= self.limits.max_line:
                return None
            tag = None if self._raw else self._tag or _tag_of(bytes(self._buf[:64]))
            event = LineTooLong(tag, self.limits.max_line)
            self._discarding = True
        else:
            event = None
        if len(self._buf) > _MARKER_TAIL:
            del self._buf[:-_MARKER_TAIL]
        self._scan_from = len(self._buf)
        return event

    def _end_of_line(self, line: bytes) -> ReaderEvent | None:
        raw, self._raw = self._raw, False
        event: ReaderEvent | None = None
        if not self._discarding and self._text_len + len(line) > self.limits.max_line:
            tag = None if raw else self._tag or _tag_of(line)
            event = LineTooLong(tag, self.limits.max_line)
            self._discarding = True
        if raw:
            if self._discarding:
                self._reset_command()
                return event
            return RawLine(line)
        marker = _find_marker(line)
        if self._discarding:
            self._skip_rest(marker)
            return event
        if self._tag is None:
            self._tag = _tag_of(line)
        if marker is None:
            self._parts.append(line)
            command = CommandBytes(tuple(self._parts))
            self._reset_command()
            return command
        text = line[: marker.start]
        self._parts.append(text)
        self._text_len += len(text)
        self._literals += 1
        if self._literals > self.limits.max_literals:
            return self._drop(TooManyLiterals(self._tag, self.limits.max_literals), marker)
        if marker.size > self.limits.max_literal:
            too_big = LiteralTooBig(
                self._tag, self.limits.max_literal, marker.size, marker.synchronizing
            )
            return self._drop(too_big, marker)
        if marker.synchronizing:
            self._mode = _Mode.DECIDE
            self._pending = marker
            return NeedContinuation(self._tag, marker.size, marker.binary)
        self._start_literal(marker)
        return None

    def _drop(self, event: LimitExceeded, marker: _Marker) -> LimitExceeded:
        self._discarding = True
        self._skip_rest(marker)
        return event

    def _skip_rest(self, marker: _Marker | None) -> None:
        """While discarding: skip a non-synchronizing literal, else the command is over.

        A synchronizing literal ends it too: the client waits for ``+`` and gets
        the rejection instead (RFC 9051 §4.3).
        """
        if marker is not None and not marker.synchronizing:
            self._start_literal(marker)
        else:
            self._reset_command()

    # -- literals -------------------------------------------------------------

    def _start_literal(self, marker: _Marker) -> None:
        self._pending = None
        self._mode = _Mode.LITERAL
        self._literal_left = marker.size
        self._literal_binary = marker.binary

    def _read_literal(self) -> bool:
        """Move literal octets out of the buffer; True once the literal is complete."""
        if self._literal_left:
            count = min(self._literal_left, len(self._buf))
            if not self._discarding:
                self._literal += self._buf[:count]
            del self._buf[:count]
            self._literal_left -= count
            if self._literal_left:
                return False
        if not self._discarding:
            self._parts.append(LiteralData(bytes(self._literal), self._literal_binary))
        self._literal = bytearray()
        self._mode = _Mode.LINE
        self._scan_from = 0
        return True

    def _require_pending(self) -> _Marker:
        if self._mode is not _Mode.DECIDE or self._pending is None:
            raise RuntimeError("no synchronizing literal is waiting for an answer")
        return self._pending

    def _reset_command(self) -> None:
        self._mode = _Mode.LINE
        self._pending = None
        self._parts = []
        self._text_len = 0
        self._literals = 0
        self._discarding = False
        self._tag = None


def _find_marker(line: bytes) -> _Marker | None:
    """Recognise ``{n}``, ``{n+}``, ``~{n}`` or ``~{n+}`` ending a line (RFC 9051 §9 literal)."""
    start = line.rfind(b"{")
    if start < 0:
        return None
    match = _MARKER.fullmatch(line, start)
    if match is None:
        return None
    digits = match.group(1).lstrip(b"0") or b"0"
    # An absurd declaration must not cost a huge int(); anything past number64
    # is simply too big.
    size = int(digits) if len(digits) <= 19 else _MAX_NUMBER64 + 1
    binary = start > 0 and line[start - 1] == 0x7E  # "~"
    return _Marker(start - binary, size, not match.group(2), binary)


def _tag_of(line: bytes) -> str | None:
    """The command's tag, when the line starts with a well-formed one and a space."""
    tag = line.split(b" ", 1)[0]
    if tag and len(tag) < len(line) and all(octet in _TAG_CHARS for octet in tag):
        return tag.decode("ascii")
    return None
