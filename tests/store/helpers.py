"""Small helpers for store tests."""

from __future__ import annotations

from mailstore.store import Store, Target, prepare


def make_message(
    subject: str = "Hello",
    body: str = "Hello world\r\n",
    sender: str = "Alice <alice@example.com>",
    to: str = "bob@example.org",
    extra: str = "",
    date: str = "Mon, 02 Jan 2023 10:00:00 +0000",
) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n{extra}\r\n{body}"
    ).encode()


async def deliver(store: Store, account_id: int, raw: bytes, mailbox: str = "INBOX", flags=()):
    (result,) = await store.ingest.deliver(
        await prepare(raw), [Target(account_id, mailbox, tuple(flags))]
    )
    return result


async def counters_match_rows(store: Store, account_id: int, mailbox_id: int) -> None:
    """Assert the kept counters equal what the rows say (DESIGN principle 4)."""
    box = await store.mailboxes.get_by_id(account_id, mailbox_id)
    row = await store.db.fetchrow(
        "SELECT count(*) AS n, count(*) FILTER (WHERE flags & 1 = 0) AS unseen, "
        "count(*) FILTER (WHERE flags & 8 <> 0) AS deleted, coalesce(sum(size), 0) AS size, "
        "coalesce(max(uid), 0) AS maxuid, coalesce(max(modseq), 0) AS maxmodseq "
        "FROM messages WHERE account_id = $1 AND mailbox_id = $2",
        account_id,
        mailbox_id,
    )
    assert (box.messages, box.unseen, box.deleted, box.size) == (
        row["n"],
        row["unseen"],
        row["deleted"],
        row["size"],
    )
    assert box.uidnext > row["maxuid"]
    assert box.highestmodseq >= row["maxmodseq"]
    used = await store.db.fetchval("SELECT used_bytes FROM accounts WHERE id = $1", account_id)
    total = await store.db.fetchval(
        "SELECT coalesce(sum(size), 0) FROM messages WHERE account_id = $1", account_id
    )
    assert used == total
