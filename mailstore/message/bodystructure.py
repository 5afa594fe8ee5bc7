"""IMAP BODYSTRUCTURE (RFC 3501 §7.4.2, RFC 9051 §7.5.2) as JSON-able dicts.

Non-multipart (``body-type-1part`` with ``body-ext-1part``)::

    {"type", "subtype", "params", "id", "description", "encoding", "size",
     "lines",            # text/* and message/rfc822, else None
     "envelope", "body", # message/rfc822 only, else None
     "md5", "disposition", "language", "location"}

Multipart (``body-type-mpart`` with ``body-ext-mpart``)::

    {"multipart": [child, ...], "subtype", "params",
     "disposition", "language", "location"}

``params`` is a flat ``[k1, v1, ...]`` list or None; ``disposition`` is None or
``[type, params-or-None]``; ``language`` None or a list of tags; other string
fields are the raw unfolded header value or None.  Type and subtype are kept
as spelled in the header; when absent or invalid they are ``text``/``plain``
with ``["charset", "us-ascii"]`` (RFC 2045 §5.2).
"""

from __future__ import annotations

from typing import Any

from .envelope import build_envelope
from .headers import raw_str
from .mime import Entity
from .params import flat, parse_disposition
from .text import count_lines


def _disposition(values: dict[str, bytes]) -> list | None:
    """RFC 2183 via RFC 3501 body-fld-dsp: ``[type, params-or-None]``."""
    d = parse_disposition(raw_str(values.get("content-disposition")))
    if d is None:
        return None
    return [d[0], flat(d[1])]


def _language(values: dict[str, bytes]) -> list[str] | None:
    """RFC 3282 Content-Language: comma-separated tags."""
    v = raw_str(values.get("content-language"))
    if not v:
        return None
    tags = [t.strip() for t in v.split(",") if t.strip()]
    return tags or None


def _nonempty(values: dict[str, bytes], name: str) -> str | None:
    v = raw_str(values.get(name))
    return v if v else None


def build(buf: bytes, ent: Entity) -> dict[str, Any]:
    """BODYSTRUCTURE of ``ent`` and everything below it."""
    values = ent.values
    if ent.multipart:
        return {
            "multipart": [build(buf, c) for c in ent.children],
            "subtype": ent.subtype,
            "params": flat(ent.params),
            "disposition": _disposition(values),
            "language": _language(values),
            "location": _nonempty(values, "content-location"),
        }
    ltype = ent.type.lower()
    lines: int | None = None
    envelope: list | None = None
    body: dict[str, Any] | None = None
    if ltype == "text" or ent.message is not None:
        lines = count_lines(buf, ent.body_start, ent.body_end)
    if ent.message is not None:
        envelope = build_envelope(ent.message.values)
        body = build(buf, ent.message)
    return {
        "type": ent.type,
        "subtype": ent.subtype,
        "params": flat(ent.params),
        "id": _nonempty(values, "content-id"),
        "description": _nonempty(values, "content-description"),
        "encoding": _nonempty(values, "content-transfer-encoding") or "7bit",
        "size": ent.body_end - ent.body_start,
        "lines": lines,
        "envelope": envelope,
        "body": body,
        "md5": _nonempty(values, "content-md5"),
        "disposition": _disposition(values),
        "language": _language(values),
        "location": _nonempty(values, "content-location"),
    }
