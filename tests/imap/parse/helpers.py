"""Drive the reader and the parser from raw wire bytes, as a client would send them."""

from __future__ import annotations

from servers.imap.parse import Command, SequenceSet, parse_command
from servers.imap.wire import CommandBytes, CommandReader, NeedContinuation, ReaderEvent


def events(wire: bytes, reader: CommandReader | None = None) -> list[ReaderEvent]:
    """All events of ``wire``; synchronizing literals are accepted as a server would."""
    reader = reader or CommandReader()
    found: list[ReaderEvent] = []
    for event in reader.feed(wire):
        if isinstance(event, NeedContinuation):
            reader.accept_literal()
        found.append(event)
    return found


def commands(wire: bytes) -> list[CommandBytes]:
    return [event for event in events(wire) if isinstance(event, CommandBytes)]


def parse_wire(wire: bytes, *, utf8: bool = False) -> Command:
    """Parse one command given without its final CRLF."""
    found = commands(wire + b"\r\n")
    assert len(found) == 1, found
    return parse_command(found[0].parts, utf8=utf8)


def reparse(command: Command, *, utf8: bool = False) -> Command:
    """Encode ``command`` canonically, then read and parse it again."""
    from .reencode import encode_command

    (found,) = commands(encode_command(command, utf8=utf8))
    return parse_command(found.parts, utf8=utf8)


def ss(*items: int | tuple[int | None, int | None] | None) -> SequenceSet:
    """``ss((1, 5), 7, None)`` is the set ``1:5,7,*``."""
    return SequenceSet(tuple(item if isinstance(item, tuple) else (item, item) for item in items))
