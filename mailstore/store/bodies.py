"""Content-addressed bodies: insert-or-reference, and reference release with freeing.

Lock order everywhere in the engine: account row, then mailbox rows (by id), then body rows (by
id). Body rows are locked in id order before their counts change, so concurrent copies and
expunges of shared bodies cannot deadlock.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

import asyncpg

from mailstore.message import ParsedMessage, bodystructure_to_wire, envelope_to_wire
from mailstore.message.wire import crlf_size

_INSERT_BODY = """
INSERT INTO bodies (
    sha256, refcount, size, raw, wire_size, header_size, lines, parts, envelope, bodystructure,
    envelope_wire, structure_wire, body_wire,
    subject, from_addr, to_addr, cc_addr, bcc_addr, message_id, in_reply_to, "references",
    sent_date, sort_subject, sort_from, sort_to, sort_cc, sort_display_from, sort_display_to,
    headers, header_text, body_text, attachments
) VALUES (
    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
    $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32
)
ON CONFLICT (sha256) DO UPDATE SET refcount = bodies.refcount + EXCLUDED.refcount
RETURNING id
"""

#: New bodies wait in index_queue for the background search indexer (mailstore/schema/).
_QUEUE_FOR_INDEX = "INSERT INTO index_queue (body_id) VALUES ($1) ON CONFLICT DO NOTHING"

_REFERENCE_BODY = """
UPDATE bodies SET refcount = refcount + $2 WHERE sha256 = $1 RETURNING id
"""


def _clean(text: str) -> str:
    # PostgreSQL text cannot hold NUL
    return text.replace("\x00", " ") if "\x00" in text else text


def collation_key(text: str) -> str:
    """RFC 5051 i;unicode-casemap: titlecase each character, then NFKD; compared as octets
    (the SORT SQL uses ``COLLATE "C"`` so every server orders alike, whatever its locale)."""
    titled = "".join(ch.title() if not ch.isascii() or ch.isalpha() else ch for ch in text)
    return unicodedata.normalize("NFKD", titled)


def body_args(raw: bytes, parsed: ParsedMessage, refs: int) -> tuple[object, ...]:
    """Positional arguments of :data:`_INSERT_BODY` for one message."""
    return (
        parsed.sha256,
        refs,
        parsed.size,
        raw,
        crlf_size(raw),
        parsed.header_size,
        parsed.lines,
        {k: list(v) for k, v in parsed.parts.items()},
        _json_safe(parsed.envelope),
        _json_safe(parsed.bodystructure),
        envelope_to_wire(parsed.envelope),
        bodystructure_to_wire(parsed.bodystructure, True),
        bodystructure_to_wire(parsed.bodystructure, False),
        _clean(parsed.subject),
        _clean(parsed.from_),
        _clean(parsed.to),
        _clean(parsed.cc),
        _clean(parsed.bcc),
        _clean(parsed.message_id),
        _clean(parsed.in_reply_to),
        [_clean(r) for r in parsed.references],
        parsed.sent_date,
        collation_key(_clean(parsed.sort_subject)),
        collation_key(_clean(parsed.sort_from)),
        collation_key(_clean(parsed.sort_to)),
        collation_key(_clean(parsed.sort_cc)),
        collation_key(_clean(parsed.sort_display_from)),
        collation_key(_clean(parsed.sort_display_to)),
        [[_clean(n), _clean(v)] for n, v in parsed.headers],
        _clean(parsed.header_text),
        _clean(parsed.body_text),
        [list(a) for a in parsed.attachments],
    )


def _json_safe(value: object) -> object:
    """jsonb rejects NUL characters: replace them inside nested structures."""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


async def preload_body(
    conn: asyncpg.Connection, raw: bytes, parsed: ParsedMessage, refs: int
) -> int | None:
    """Insert a body not stored yet with ``refs`` references; return its id, or None when a
    stored copy exists (then :func:`reference_body` adds the references later).

    Called at the start of an ingest transaction, before the account and mailbox rows are
    locked, so the large insert happens outside them. A new row is invisible to other
    transactions until COMMIT, so it needs no lock order.
    """
    if await conn.fetchval("SELECT 1 FROM bodies WHERE sha256 = $1", parsed.sha256):
        return None
    body_id = await conn.fetchval(
        _INSERT_BODY.replace(
            "DO UPDATE SET refcount = bodies.refcount + EXCLUDED.refcount\nRETURNING id",
            "DO NOTHING RETURNING id",
        ),
        *body_args(raw, parsed, refs),
    )
    if body_id is not None:
        await conn.execute(_QUEUE_FOR_INDEX, body_id)
    return body_id


async def reference_body(
    conn: asyncpg.Connection, raw: bytes, parsed: ParsedMessage, refs: int
) -> int:
    """Add ``refs`` references to the stored body (inserting it if gone); return its id.

    The cheap path (the body is already stored, e.g. the same message to many users or an
    import run twice) sends only the hash; the full row is sent only for a new body.
    """
    body_id = await conn.fetchval(_REFERENCE_BODY, parsed.sha256, refs)
    if body_id is not None:
        return int(body_id)
    body_id = int(await conn.fetchval(_INSERT_BODY, *body_args(raw, parsed, refs)))
    await conn.execute(_QUEUE_FOR_INDEX, body_id)
    return body_id


async def add_refs(conn: asyncpg.Connection, body_ids: Iterable[int]) -> None:
    """Add one reference per occurrence of each id (e.g. per copied message)."""
    counts = Counter(body_ids)
    if not counts:
        return
    ids = sorted(counts)
    await conn.execute(
        "SELECT 1 FROM bodies WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", ids
    )
    await conn.execute(
        "UPDATE bodies b SET refcount = b.refcount + c.n "
        "FROM unnest($1::bigint[], $2::int[]) AS c(id, n) WHERE b.id = c.id",
        ids,
        [counts[i] for i in ids],
    )


async def drop_refs(conn: asyncpg.Connection, body_ids: Iterable[int]) -> int:
    """Remove references; delete bodies nobody uses any more. Returns bodies freed."""
    counts = Counter(body_ids)
    if not counts:
        return 0
    ids = sorted(counts)
    await conn.execute(
        "SELECT 1 FROM bodies WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", ids
    )
    freed = await conn.fetch(
        "UPDATE bodies b SET refcount = b.refcount - c.n "
        "FROM unnest($1::bigint[], $2::int[]) AS c(id, n) WHERE b.id = c.id "
        "RETURNING b.id, b.refcount",
        ids,
        [counts[i] for i in ids],
    )
    dead = [r["id"] for r in freed if r["refcount"] <= 0]
    if dead:
        await conn.execute("DELETE FROM bodies WHERE id = ANY($1::bigint[])", dead)
    return len(dead)
