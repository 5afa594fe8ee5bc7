"""FETCH response items (RFC 9051 §7.5.2): one message row -> one ``* n FETCH (...)`` line.

Each requested item is compiled once per command into a function of the row, so formatting
100,000 rows dispatches on the item list once, not 100,000 times.
"""

from __future__ import annotations

from collections.abc import Callable

from servers.imap import responses, sections
from servers.imap.engine import MessageRow, bodystructure_to_wire, envelope_to_wire
from servers.imap.errors import no
from servers.imap.parse import BinarySize, BodySection, Fetch, FetchAttr, FetchItem
from servers.imap.view import MailboxView, Modes
from servers.imap.wire import ResponseCode, encode

__all__ = ["FetchFormatter"]

ItemFormatter = Callable[[MessageRow], bytes]


class FetchFormatter:
    """The response lines of one FETCH, items in the order asked (UID first)."""

    def __init__(self, view: MailboxView, cmd: Fetch, modes: Modes, seen: dict[int, int]) -> None:
        self.view = view
        self.modes = modes
        self.seen = seen  # UIDs whose \Seen this FETCH set -> their new mod-sequence
        self.with_uid = cmd.uid or FetchAttr.UID in cmd.items  # RFC 9051 §6.4.9
        self.with_flags = FetchAttr.FLAGS in cmd.items
        self.with_modseq = FetchAttr.MODSEQ in cmd.items or cmd.changedsince is not None
        skip = (FetchAttr.UID, FetchAttr.MODSEQ)
        self.items = [self._compile(item) for item in cmd.items if item not in skip]
        self._flags: dict[tuple[tuple[str, ...], bool], bytes] = {}

    def response(self, row: MessageRow) -> bytes:
        items = [responses.uid_item(row.uid)] if self.with_uid else []
        items.extend(item(row) for item in self.items)
        seen = row.uid in self.seen
        if seen and not self.with_flags:
            items.append(self.flags(row))  # RFC 9051 §6.4.5: the implicit \Seen is reported
        if self.with_modseq or (seen and self.modes.condstore):
            items.append(responses.modseq_item(row.modseq))
        return responses.fetch(self.view.seq_of(row.uid), items)

    def flags(self, row: MessageRow) -> bytes:
        key = (row.flags, not self.modes.rev2 and self.view.is_recent(row.uid))
        cached = self._flags.get(key)
        if cached is None:
            cached = self._flags[key] = responses.flags_item(*key)
        return cached

    def _compile(self, item: FetchItem) -> ItemFormatter:
        utf8 = self.modes.utf8
        match item:
            case FetchAttr.FLAGS:
                return self.flags
            case FetchAttr.INTERNALDATE:
                return lambda row: b"INTERNALDATE " + encode.date_time(row.internal_date)
            case FetchAttr.SAVEDATE:  # RFC 8514 §4.3
                return lambda row: b"SAVEDATE " + encode.date_time(row.saved_date)
            case FetchAttr.RFC822_SIZE:
                return lambda row: b"RFC822.SIZE %d" % row.size
            case FetchAttr.ENVELOPE:
                return lambda row: (
                    b"ENVELOPE "
                    + (
                        row.envelope_wire
                        if row.envelope_wire is not None
                        else envelope_to_wire(row.envelope or [], utf8)
                    )
                )
            case FetchAttr.BODYSTRUCTURE:
                return lambda row: b"BODYSTRUCTURE " + _structure(row, True, utf8)
            case FetchAttr.BODY:
                return lambda row: b"BODY " + _structure(row, False, utf8)
            case FetchAttr.RFC822:  # RFC 3501 §6.4.5: BODY[] under its old name
                return lambda row: b"RFC822 " + encode.literal(row.raw or b"")
            case FetchAttr.RFC822_HEADER:
                return lambda row: b"RFC822.HEADER " + encode.literal(_raw(row)[: row.header_size])
            case FetchAttr.RFC822_TEXT:
                return lambda row: b"RFC822.TEXT " + encode.literal(_raw(row)[row.header_size :])
            case BodySection():
                return lambda row: _section(row, item)
            case BinarySize(part):  # RFC 3516 §4.2
                name = b"BINARY.SIZE[%s] " % ".".join(map(str, part)).encode()
                return lambda row: name + b"%d" % len(_binary(row, part) or b"")
        raise AssertionError(item)  # pragma: no cover


def _raw(row: MessageRow) -> bytes:
    return row.raw or b""


def _structure(row: MessageRow, extended: bool, utf8: bool) -> bytes:
    stored = row.structure_wire if extended else row.body_wire
    if stored is not None:  # encoded at ingest (sessions without UTF8=ACCEPT)
        return stored
    return bodystructure_to_wire(row.bodystructure or {}, extended, utf8)


def _section(row: MessageRow, item: BodySection) -> bytes:
    """``BODY[section]<origin>`` / ``BINARY[part]<origin>`` and its data (NIL if absent)."""
    name = item.response_name().encode("utf-8")
    if item.binary:
        data = _binary(row, item.section.part)
    else:
        data = sections.section_bytes(
            _raw(row), row.header_size or 0, row.parts or {}, item.section
        )
    if data is None:
        return name + b" NIL"
    if item.partial is not None:
        origin, count = item.partial
        data = data[origin : origin + count]
    # RFC 3516 §4.2: a literal8 only when the data could not go in a literal
    return name + b" " + encode.literal(data, binary=item.binary and b"\0" in data)


def _binary(row: MessageRow, part: tuple[int, ...]) -> bytes | None:
    try:
        return sections.binary_part(
            _raw(row), row.header_size or 0, row.parts or {}, row.bodystructure, part
        )
    except LookupError:
        raise no("unknown Content-Transfer-Encoding", ResponseCode.UNKNOWN_CTE) from None
