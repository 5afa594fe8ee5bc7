"""Test data for the transfer tests: awkward messages, corpus slices, and store read-back."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bench.corpus import CorpusMessage, generate
from mailstore.store import Store


def awkward_messages() -> list[tuple[bytes, frozenset[str]]]:
    """Messages that trip mbox and Maildir handling, with flags to keep."""
    rnd = random.Random(5)
    binary = bytes(b for b in rnd.randbytes(3000) if b != 0)  # NUL-free, with bare CR and LF
    return [
        (
            b"From: a@example.com\r\nSubject: from lines\r\n\r\n"
            b"From the start of a line\r\n>From quoted once\r\n>>From quoted twice\r\n"
            b"From\r\nFromage\r\n \r\nFrom me\r\n",
            frozenset({"\\Seen", "\\Flagged"}),
        ),
        (
            b"From: b@example.com\nSubject: lf only\n\nbody\n\nFrom here, a line\n\n",
            frozenset({"\\Answered", "$Forwarded", "$label1"}),
        ),
        (
            b"From: c@example.com\r\nSubject: mixed\r\n\nline one\rline two\r\nline three\n"
            b"\r\n\r\n",
            frozenset({"\\Draft"}),
        ),
        (
            "From: d@example.com\r\nSubject: 8bit\r\nContent-Type: text/plain; "
            "charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\xfc\xdfe, "
            "\xe7a va\r\n".encode("latin-1"),
            frozenset({"\\Deleted", "\\Seen"}),
        ),
        (
            b"From: e@example.com\r\nSubject: binary\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=XyZ\r\n\r\n--XyZ\r\n"
            b"Content-Type: text/plain\r\n\r\nsee attached\r\n--XyZ\r\n"
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
            + binary.replace(b"--XyZ", b"--XyQ")
            + b"\r\n--XyZ--\r\n",
            frozenset({"$Junk"}),
        ),
        (b"this is not a header\r\nnor this\r\n\r\nbody\r\n", frozenset()),
        (b"Subject: header only\r\n", frozenset({"\\Seen"})),
        (
            b"From: f@example.com\r\nStatus: RO\r\nX-Keywords: stale\r\nSubject: had mbox fields\r\n"
            b"\r\nbody\r\n",
            frozenset({"\\Flagged"}),
        ),
        (b"Subject: no final line break\r\n\r\nbody", frozenset({"\\Seen", "$Junk"})),
    ]


def corpus(count: int, seed: int = 3) -> list[CorpusMessage]:
    return list(generate(count, seed=seed))


def as_corpus(messages: list[tuple[bytes, frozenset[str]]], start: int = 0) -> list[CorpusMessage]:
    """Awkward messages as CorpusMessage objects (for bench.corpus writers)."""
    base = datetime(2023, 5, 1, 12, 0, tzinfo=UTC).timestamp()
    return [
        CorpusMessage(
            index=start + i,
            raw=raw,
            internal_date=datetime.fromtimestamp(base + i * 3600, UTC),
            flags=flags,
            mail_from="sender@example.com",
        )
        for i, (raw, flags) in enumerate(messages)
    ]


async def stored(
    store: Store, account_id: int, mailbox: str
) -> list[tuple[int, bytes, frozenset[str], datetime]]:
    """(uid, raw, flags, internal date) of every message in the mailbox, in uid order."""
    box = await store.mailboxes.get(account_id, mailbox)
    uids = await store.messages.uids(account_id, box.id)
    rows = [r async for r in store.messages.fetch(account_id, box.id, uids, raw=True)]
    return [(r.uid, r.raw or b"", frozenset(r.flags), r.internal_date) for r in rows]
