"""MIME structure scan (RFC 2045, RFC 2046) over bytes, recording offsets.

``scan(buf)`` builds an :class:`Entity` tree for the whole message.  Each
entity knows where its header starts, where its body starts (after the blank
line) and where its body ends, so any IMAP section is a slice of the raw
message.  Multipart bodies are split per RFC 2046 §5.1.1:

* a delimiter line is ``--boundary`` at the start of a line, optionally
  followed by ``--`` (close delimiter) and transport padding (WSP), then
  the end of the line;
* the line break *before* a delimiter belongs to the delimiter, so a part's
  body ends before it;
* the preamble (before the first delimiter) and the epilogue (after the
  close delimiter) are not parts;
* a missing close delimiter ends the last part at the end of the enclosing
  body.

A multipart without a boundary parameter or without any delimiter line is
degraded to a ``text/plain`` leaf (its body stays readable).  A
``message/rfc822`` part whose Content-Transfer-Encoding is not 7bit/8bit/
binary (RFC 2046 §5.2.1 forbids that) is reported as
``application/octet-stream``.  Beyond :data:`MAX_DEPTH` nesting levels or
:data:`MAX_PARTS` entities, or when delimiter scanning has read
:data:`SCAN_FACTOR` times the message, the rest is opaque (a ``text/plain``
leaf).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .headers import (
    Field,
    find_header_end,
    first_values,
    parse_fields,
    raw_str,
    transfer_encoding,
)
from .params import Params, get_param, parse_content_type

MAX_DEPTH = 100
MAX_PARTS = 10_000
SCAN_FACTOR = 16

DEFAULT_PARAMS: Params = [("charset", "us-ascii")]
_IDENTITY_CTE = frozenset({"", "7bit", "8bit", "binary"})


@dataclass(slots=True)
class Entity:
    """One MIME entity (a message, a part, or an encapsulated message)."""

    header_start: int
    body_start: int
    body_end: int
    fields: list[Field]
    values: dict[str, bytes]  # first occurrence of each field, unfolded
    type: str  # as given in the header (or the default), e.g. "TEXT"
    subtype: str
    params: Params
    children: list[Entity] = field(default_factory=list)
    message: Entity | None = None  # message/rfc822: the encapsulated message
    multipart: bool = False

    @property
    def media_type(self) -> str:
        return f"{self.type}/{self.subtype}".lower()


class _Budget:
    """Limits shared by one parse: entity count and bytes scanned for delimiters.

    Nested multiparts rescan their enclosing part, so scanning costs depth x
    size; beyond :data:`SCAN_FACTOR` x the message size, further multiparts
    are left opaque.
    """

    __slots__ = ("parts", "scan_left")

    def __init__(self, size: int) -> None:
        self.parts = 0
        self.scan_left = SCAN_FACTOR * size + (1 << 20)


_FIND_REJECTS = 64  # after this many false candidates, scan with a regex


def _delimiter_lines(
    buf: bytes, delim: bytes, start: int, end: int
) -> Iterator[tuple[int, int, bool]]:
    """Yield ``(line_start, next_line_start, is_close)`` for each delimiter line.

    RFC 2046 §5.1.1: ``--boundary`` at the start of a line, an optional
    ``--``, transport padding, then CRLF/LF or the end of the body.  Uses
    bytes.find; if the body is full of near-misses (``--boundaryX`` or the
    string mid-line), switches to one compiled regex so the cost stays linear.
    """
    dlen = len(delim)
    pos = start
    rejects = 0
    while rejects < _FIND_REJECTS:
        i = buf.find(delim, pos, end)
        if i < 0:
            return
        pos = i + 1
        if i != start and buf[i - 1] != 0x0A:
            rejects += 1
            continue
        j = i + dlen
        close = buf.startswith(b"--", j, end)
        if close:
            j += 2
        while j < end and buf[j] in (0x20, 0x09):
            j += 1
        if j < end:
            if buf[j] == 0x0A:
                j += 1
            elif buf[j] == 0x0D and j + 1 < end and buf[j + 1] == 0x0A:
                j += 2
            else:
                rejects += 1
                continue  # "--boundaryX": not a delimiter
        yield i, j, close
        pos = j
    # Starts with a literal, so sre's fast prefix search does the scanning.
    line = re.compile(rb"\n" + re.escape(delim) + rb"(--)?[ \t]*(?:\r?\n|\Z)")
    for m in line.finditer(buf, max(start, pos - 1), end):
        yield m.start() + 1, m.end(), m.group(1) is not None


def _find_delimiters(
    buf: bytes, boundary: bytes, start: int, end: int, limit: int
) -> list[tuple[int, int]]:
    """Spans ``(part_start, part_end)`` of the body parts of a multipart body.

    RFC 2046 §5.1.1; see the module docstring.  At most ``limit`` spans; the
    last one then runs to ``end``.
    """
    spans: list[tuple[int, int]] = []
    part_start = -1  # -1: still in the preamble
    for i, j, close in _delimiter_lines(buf, b"--" + boundary, start, end):
        if part_start >= 0:
            # The CRLF (or LF) before the delimiter belongs to the delimiter.
            pe = i
            if pe > part_start and buf[pe - 1] == 0x0A:
                pe -= 1
                if pe > part_start and buf[pe - 1] == 0x0D:
                    pe -= 1
            spans.append((part_start, pe))
        if close:
            return spans
        part_start = j
        if len(spans) + 1 >= limit:
            break
    if part_start >= 0:
        spans.append((part_start, end))  # missing close delimiter (or limit hit)
    return spans


def _entity(
    buf: bytes,
    start: int,
    end: int,
    depth: int,
    budget: _Budget,
    default_type: tuple[str, str, Params],
) -> Entity:
    """Parse the entity at ``buf[start:end]`` (header, blank line, body)."""
    body_start = find_header_end(buf, start, end)
    fields = parse_fields(buf, start, body_start)
    values = first_values(fields)
    ct = parse_content_type(raw_str(values.get("content-type")))
    type_, subtype, params = ct if ct is not None else default_type
    ent = Entity(start, body_start, end, fields, values, type_, subtype, params)
    ltype = type_.lower()
    budget.parts += 1
    opaque = depth >= MAX_DEPTH or budget.parts >= MAX_PARTS

    if ltype == "multipart":
        boundary = get_param(params, "boundary")
        spans: list[tuple[int, int]] = []
        budget.scan_left -= end - body_start
        if boundary and not opaque and budget.scan_left >= 0:
            b = boundary.encode("utf-8", "replace")
            spans = _find_delimiters(buf, b, body_start, end, MAX_PARTS - budget.parts)
        if not spans:
            _degrade(ent, "text", "plain", DEFAULT_PARAMS)
            return ent
        ent.multipart = True
        child_default = (
            ("message", "rfc822", [])
            if subtype.lower() == "digest"
            else ("text", "plain", DEFAULT_PARAMS)
        )
        for ps, pe in spans:
            ent.children.append(_entity(buf, ps, pe, depth + 1, budget, child_default))
        return ent

    if ltype == "message" and subtype.lower() == "rfc822":
        if transfer_encoding(values) not in _IDENTITY_CTE:
            _degrade(ent, "application", "octet-stream", params)
        elif opaque:
            _degrade(ent, "text", "plain", DEFAULT_PARAMS)
        else:
            ent.message = _entity(
                buf, body_start, end, depth + 1, budget, ("text", "plain", DEFAULT_PARAMS)
            )
    return ent


def _degrade(ent: Entity, type_: str, subtype: str, params: Params) -> None:
    ent.type, ent.subtype, ent.params = type_, subtype, params


def scan(buf: bytes) -> Entity:
    """Parse the whole message ``buf`` into an entity tree (never raises on data)."""
    return _entity(buf, 0, len(buf), 0, _Budget(len(buf)), ("text", "plain", DEFAULT_PARAMS))


def section_map(top: Entity) -> dict[str, tuple[int, int, int]]:
    """IMAP section numbers (RFC 3501 §6.4.5) -> (header_start, body_start, body_end).

    * Top level multipart: its children are "1", "2", ...; otherwise the top
      level body is "1" with header_start 0.
    * A multipart child gets its own entry (its MIME header, its whole body
      with delimiters) and its children are "n.1", "n.2", ...
    * A message/rfc822 part "n": entry "n" is the part; "n.H" is the
      encapsulated message (header_start..body_start is BODY[n.HEADER],
      body_start..body_end is BODY[n.TEXT]); the encapsulated message's
      children are "n.1", "n.2", ... if it is multipart, else its body is
      "n.1" (whose header_start is the encapsulated header).
    """
    parts: dict[str, tuple[int, int, int]] = {}

    def walk(e: Entity, path: str) -> None:
        parts[path] = (e.header_start, e.body_start, e.body_end)
        descend(e, path)

    def descend(e: Entity, path: str) -> None:
        if e.multipart:
            for i, c in enumerate(e.children, 1):
                walk(c, f"{path}.{i}")
        elif e.message is not None:
            m = e.message
            parts[f"{path}.H"] = (m.header_start, m.body_start, m.body_end)
            if m.multipart:
                for i, c in enumerate(m.children, 1):
                    walk(c, f"{path}.{i}")
            else:
                walk(m, f"{path}.1")

    if top.multipart:
        for i, c in enumerate(top.children, 1):
            walk(c, str(i))
    else:
        walk(top, "1")
    return parts


def iter_entities(top: Entity) -> Iterator[Entity]:
    """All entities depth-first, encapsulated messages included."""
    stack = [top]
    while stack:
        e = stack.pop()
        yield e
        if e.message is not None:
            stack.append(e.message)
        stack.extend(reversed(e.children))
