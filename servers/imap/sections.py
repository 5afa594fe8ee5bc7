"""Body sections as slices of the stored message (RFC 9051 §6.4.5), pure functions.

The engine keeps, per message, the offsets of every MIME part (``MessageRow.parts``: section
path -> ``[header_start, body_start, body_end]``, with ``"n.H"`` holding the header and text
of an encapsulated message/rfc822 part n) and the size of the top-level header, so
``BODY[2.1]`` is a slice, never a re-parse. HEADER.FIELDS needs only the header slice.
BINARY (RFC 3516) undoes the part's Content-Transfer-Encoding.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from servers.imap.parse import SectionSpec, SectionText

__all__ = ["binary_part", "header_fields", "section_bytes"]

_FIELD_NAME = re.compile(rb"[^:\s]*")
_IDENTITY = frozenset({"", "7bit", "8bit", "binary"})
_BASE64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")


def section_bytes(
    raw: bytes, header_size: int, parts: Mapping[str, Sequence[int]], spec: SectionSpec
) -> bytes | None:
    """The octets of ``BODY[spec]``; None when the message has no such part."""
    if not spec.part:
        return _text_of(raw, 0, header_size, len(raw), spec)
    path = ".".join(str(number) for number in spec.part)
    offsets = parts.get(path)
    if offsets is None:
        return None
    header_start, body_start, body_end = offsets[0], offsets[1], offsets[2]
    if spec.text is None:
        return raw[body_start:body_end]
    if spec.text is SectionText.MIME:
        return raw[header_start:body_start]
    message = parts.get(path + ".H")  # HEADER / TEXT of a message/rfc822 part only
    if message is None:
        return None
    return _text_of(raw, message[0], message[1], message[2], spec)


def _text_of(raw: bytes, start: int, body: int, end: int, spec: SectionSpec) -> bytes:
    """HEADER, TEXT, HEADER.FIELDS[.NOT] or everything of the message at ``start``."""
    match spec.text:
        case SectionText.HEADER:
            return raw[start:body]
        case SectionText.TEXT:
            return raw[body:end]
        case SectionText.HEADER_FIELDS:
            return header_fields(raw[start:body], spec.fields, exclude=False)
        case SectionText.HEADER_FIELDS_NOT:
            return header_fields(raw[start:body], spec.fields, exclude=True)
    return raw[start:end]


def header_fields(header: bytes, names: Iterable[str], *, exclude: bool) -> bytes:
    """The fields named (or, with ``exclude``, all others), then the blank line (RFC 9051 §6.4.5).

    Field names compare case-insensitively; each field keeps its exact octets, folding included.
    """
    wanted = {name.lower().encode("ascii", "replace") for name in names}
    kept = [field for field in _fields(header) if (_name(field) in wanted) != exclude]
    return b"".join(kept) + b"\r\n"


def _fields(header: bytes) -> list[bytes]:
    """Header fields with their continuation lines, up to the blank line.

    Fields are found as (start, end) spans and sliced once: appending each continuation line
    to a ``bytes`` field copied it every time, quadratic in the folding (a field folded over
    100,000 lines stalled the session's event loop for minutes).
    """
    spans: list[list[int]] = []
    pos = 0
    while pos < len(header):
        end = header.find(b"\n", pos)
        end = len(header) if end < 0 else end + 1
        if header[pos:end] in (b"\r\n", b"\n"):
            break
        if header[pos : pos + 1] in (b" ", b"\t") and spans:
            spans[-1][1] = end
        else:
            spans.append([pos, end])
        pos = end
    return [header[start:end] for start, end in spans]


def _name(field: bytes) -> bytes:
    match = _FIELD_NAME.match(field)
    return match.group().lower() if match else b""


def binary_part(
    raw: bytes,
    header_size: int,
    parts: Mapping[str, Sequence[int]],
    bodystructure: Any,
    part: tuple[int, ...],
) -> bytes | None:
    """``BINARY[part]`` (RFC 3516 §4.2): the part decoded; None when there is no such part.

    Raises ``LookupError`` for a transfer encoding we cannot undo (``[UNKNOWN-CTE]``).
    """
    if not part:
        return raw
    data = section_bytes(raw, header_size, parts, SectionSpec(part))
    node = part_structure(bodystructure, part)
    if data is None or node is None:
        return None
    return decode_transfer_encoding(data, str(node.get("encoding") or "7bit"))


def part_structure(bodystructure: Any, part: tuple[int, ...]) -> dict[str, Any] | None:
    """The BODYSTRUCTURE dict of a section path (numbering as in RFC 9051 §6.4.5)."""
    node = bodystructure
    for depth, number in enumerate(part):
        if not isinstance(node, dict):
            return None
        if "multipart" in node:
            children = node["multipart"]
        elif node.get("body") is not None:  # message/rfc822: into the encapsulated message
            inner = node["body"]
            children = inner["multipart"] if "multipart" in inner else [inner]
        elif depth == 0 and number == 1:  # a single-part message is its own part 1
            children = [node]
        else:
            return None
        if not 1 <= number <= len(children):
            return None
        node = children[number - 1]
    return node if isinstance(node, dict) else None


def decode_transfer_encoding(data: bytes, encoding: str) -> bytes:
    """Undo a Content-Transfer-Encoding (RFC 2045 §6); ``LookupError`` if unknown."""
    name = encoding.strip().lower()
    if name in _IDENTITY:
        return data
    if name == "base64":
        clean = _BASE64_JUNK.sub(b"", data)
        clean = clean[: len(clean) - len(clean) % 4] if len(clean) % 4 == 1 else clean
        try:
            return binascii.a2b_base64(clean + b"=" * (-len(clean) % 4))
        except binascii.Error:
            return b""
    if name == "quoted-printable":
        return binascii.a2b_qp(data)
    raise LookupError(encoding)
