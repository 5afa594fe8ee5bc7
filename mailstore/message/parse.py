"""``parse_message``: everything IMAP/SEARCH/SORT need, computed once at ingest.

One pass of byte scanning (:mod:`.mime`) gives the part tree with offsets; the
rest is derived from small slices (headers, text parts).  The function never
raises: any unexpected error degrades to a text/plain view of the message.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .bodystructure import build as build_bodystructure
from .charsets import utf8_replace
from .envelope import (
    base_subject,
    build_envelope,
    msg_ids,
    parse_date,
    sort_keys,
)
from .headers import decoded_str, find_header_end, transfer_encoding, unfold
from .mime import Entity, iter_entities, scan, section_map
from .params import get_param, parse_disposition
from .text import (
    BODY_TEXT_LIMIT,
    count_lines,
    decoded_size_estimate,
    input_budget,
    part_text,
)


@dataclass(frozen=True, slots=True)
class PartOffsets:
    """Offsets of one IMAP section in the raw message.

    ``header_start``..``body_start`` is the MIME header (BODY[n.MIME]; for the
    top level it starts at 0), ``body_start``..``body_end`` the body (BODY[n]).
    """

    header_start: int
    body_start: int
    body_end: int


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """What the store keeps about a message (see ``parse_message``).

    Every value is JSON-able (``sha256`` is bytes, ``sent_date`` a datetime)
    and no string contains NUL, so it can go to PostgreSQL text/jsonb as is.

    * ``size``, ``sha256`` (of the raw bytes), ``lines`` (LF count, plus one
      for an unterminated last line), ``header_size`` (BODY[HEADER] is
      ``raw[:header_size]``).
    * ``parts``: section path -> ``(header_start, body_start, body_end)``.
    * ``envelope``: RFC 3501 ENVELOPE data (:mod:`.envelope`);
      ``bodystructure``: BODYSTRUCTURE dict (:mod:`.bodystructure`); the wire
      form comes from :mod:`.imapfmt`.
    * ``subject``, ``from_``, ``to``, ``cc``, ``bcc``, ``message_id``,
      ``in_reply_to``: first occurrence, unfolded, RFC 2047 decoded, ``""``
      when absent; ``references``: msg-ids in order; ``sent_date``: aware.
    * ``sort_*``: RFC 5256 base subject (case-folded), addr-mailbox of the
      first address, RFC 5957 display name; lowercased.
    * ``headers``: every top-level field as (lowercase name, decoded value);
      ``header_text``: the same as lowercased ``"name: value\n"`` lines.
    * ``body_text``: lowercased text of all text/* leaves (transfer encoding
      and charset undone, HTML reduced to text, CRLF -> LF), joined with
      ``"\n"``, at most 2,000,000 characters.
    * ``attachments``: ``(media type, filename, decoded size estimate)`` for
      leaves with ``Content-Disposition: attachment`` or a file name.
    """

    size: int
    sha256: bytes
    lines: int
    header_size: int
    parts: dict[str, tuple[int, int, int]]
    envelope: list
    bodystructure: dict[str, Any]
    subject: str
    from_: str
    to: str
    cc: str
    bcc: str
    message_id: str
    in_reply_to: str
    references: list[str]
    sent_date: datetime | None
    sort_subject: str
    sort_from: str
    sort_to: str
    sort_cc: str
    sort_display_from: str
    sort_display_to: str
    headers: list[tuple[str, str]]
    header_text: str
    body_text: str
    attachments: list[tuple[str, str, int]]

    def offsets(self, section: str) -> PartOffsets | None:
        """Offsets of a section path ("1", "2.1", "3.H"), or None."""
        p = self.parts.get(section)
        return PartOffsets(*p) if p is not None else None


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse raw RFC 5322 message bytes; never raises.

    ``parts`` maps IMAP section paths (RFC 3501 §6.4.5) to
    ``(header_start, body_start, body_end)``:

    * a non-multipart message has one section, "1" = ``(0, header_size, size)``;
      the top-level HEADER/TEXT are ``raw[:header_size]``/``raw[header_size:]``;
    * multipart children are "1", "2", ..., nested ones "2.1", "2.1.3"; a
      multipart child has its own entry (MIME header, body with delimiters);
    * a message/rfc822 part "n" has entry "n" (the part) and "n.H" for the
      encapsulated message: ``raw[h:b]`` is BODY[n.HEADER], ``raw[b:e]`` is
      BODY[n.TEXT].  Its structure continues under "n": children "n.1", ...
      if it is multipart, else its body is "n.1".

    Bare-CR messages (no LF anywhere) are scanned with CR read as LF; the
    offsets refer to the raw bytes either way.
    """
    raw = bytes(raw)
    try:
        return _parse(raw)
    except Exception:  # degrade, never fail ingest
        return _fallback(raw)


def _parse(raw: bytes) -> ParsedMessage:
    buf = raw
    if b"\n" not in raw and b"\r" in raw:
        buf = raw.replace(b"\r", b"\n")  # same length: offsets unchanged
    size = len(raw)
    top = scan(buf)
    values = top.values
    # Decoded, unfolded fields; the first occurrence of a name is "the" value.
    headers = [(name, decoded_str(unfold(v))) for name, v in top.fields]
    decoded: dict[str, str] = {}
    for name, text in headers:
        decoded.setdefault(name, text)

    def dec(name: str) -> str:
        return decoded.get(name, "")

    envelope = build_envelope(values)
    from_addrs, to_addrs, cc_addrs = envelope[2], envelope[5], envelope[6]
    sort_from, sort_display_from = sort_keys(from_addrs)
    sort_to, sort_display_to = sort_keys(to_addrs)
    sort_cc, _ = sort_keys(cc_addrs)
    subject = dec("subject")
    header_text = "".join(f"{n}: {v}\n" for n, v in headers).lower()
    body_text, attachments = _texts(buf, top)

    return ParsedMessage(
        size=size,
        sha256=hashlib.sha256(raw).digest(),
        lines=count_lines(buf, 0, size),
        header_size=top.body_start,
        parts=section_map(top),
        envelope=envelope,
        bodystructure=build_bodystructure(buf, top),
        subject=subject,
        from_=dec("from"),
        to=dec("to"),
        cc=dec("cc"),
        bcc=dec("bcc"),
        message_id=dec("message-id"),
        in_reply_to=dec("in-reply-to"),
        references=msg_ids(dec("references")),
        sent_date=parse_date(utf8_replace(values["date"]) if "date" in values else None),
        sort_subject=base_subject(subject),
        sort_from=sort_from,
        sort_to=sort_to,
        sort_cc=sort_cc,
        sort_display_from=sort_display_from,
        sort_display_to=sort_display_to,
        headers=headers,
        header_text=header_text,
        body_text=body_text,
        attachments=attachments,
    )


def _texts(buf: bytes, top: Entity) -> tuple[str, list[tuple[str, str, int]]]:
    """Search text of all text/* leaves and the attachment list."""
    chunks: list[str] = []
    left = BODY_TEXT_LIMIT
    attachments: list[tuple[str, str, int]] = []
    for ent in iter_entities(top):
        if ent.multipart:
            continue
        values = ent.values
        cte = transfer_encoding(values)
        ltype, lsub = ent.type.lower(), ent.subtype.lower()
        disp = parse_disposition(utf8_replace(values.get("content-disposition", b"")))
        filename = (disp and get_param(disp[1], "filename")) or get_param(ent.params, "name")
        if (disp and disp[0].lower() == "attachment") or filename:
            est = decoded_size_estimate(buf, ent.body_start, ent.body_end, cte)
            name = decoded_str(filename.encode("utf-8")) if filename else ""
            attachments.append((ent.media_type, name, est))
        if ltype == "text" and ent.message is None and left > 0:
            end = min(ent.body_end, ent.body_start + input_budget(left, cte, lsub))
            text = part_text(buf[ent.body_start : end], cte, get_param(ent.params, "charset"), lsub)
            if chunks:
                text = "\n" + text
            text = text[:left]
            left -= len(text)
            chunks.append(text)
    return "".join(chunks).lower(), attachments


def _fallback(raw: bytes) -> ParsedMessage:
    """Minimal text/plain description, used only if parsing itself failed."""
    size = len(raw)
    try:
        hs = find_header_end(raw, 0, size)
    except Exception:
        hs = 0
    body = {
        "type": "text",
        "subtype": "plain",
        "params": ["charset", "us-ascii"],
        "id": None,
        "description": None,
        "encoding": "7bit",
        "size": size - hs,
        "lines": raw.count(b"\n", hs),
        "envelope": None,
        "body": None,
        "md5": None,
        "disposition": None,
        "language": None,
        "location": None,
    }
    return ParsedMessage(
        size=size,
        sha256=hashlib.sha256(raw).digest(),
        lines=raw.count(b"\n"),
        header_size=hs,
        parts={"1": (0, hs, size)},
        envelope=[None] * 10,
        bodystructure=body,
        subject="",
        from_="",
        to="",
        cc="",
        bcc="",
        message_id="",
        in_reply_to="",
        references=[],
        sent_date=None,
        sort_subject="",
        sort_from="",
        sort_to="",
        sort_cc="",
        sort_display_from="",
        sort_display_to="",
        headers=[],
        header_text="",
        body_text="",
        attachments=[],
    )
