"""Enqueueing for remote delivery keeps one body reference per queued message."""

import pytest

from mailstore.errors import InvalidArgument
from mailstore.store import prepare
from tests.store.helpers import deliver, make_message


async def test_enqueue_shares_body_with_local_copy(store, account):
    raw = make_message(subject="out")
    await deliver(store, account.id, raw)
    qid = await store.queue.enqueue(
        "bob@example.org",
        ["x@remote.example", "Y@Other.example", "x@remote.example"],
        await prepare(raw),
        account_id=account.id,
    )
    (msg,) = await store.queue.list()
    assert msg.id == qid and msg.sender == "bob@example.org" and msg.size == len(raw)
    assert [(r.recipient, r.status) for r in msg.recipients] == [
        ("Y@Other.example", "queued"),
        ("x@remote.example", "queued"),
    ]
    assert await store.db.fetchval("SELECT count(*) FROM bodies") == 1
    assert await store.db.fetchval("SELECT refcount FROM bodies") == 2
    domains = {r["domain"] for r in await store.db.fetch("SELECT domain FROM queue_recipients")}
    assert domains == {"remote.example", "other.example"}


async def test_enqueue_needs_valid_recipients(store):
    with pytest.raises(InvalidArgument):
        await store.queue.enqueue("", [], await prepare(make_message()))
    with pytest.raises(InvalidArgument):
        await store.queue.enqueue("", ["not-an-address"], await prepare(make_message()))


async def test_local_copies_and_queue_entry_commit_together(store, account):
    """Store.deliver_and_queue: one transaction for both, so a failing queue entry leaves no
    local copy behind (a client retrying after the 451 would otherwise duplicate it)."""
    from mailstore.store import OutboundCopy, Stored, Target
    from mailstore.store.maillog import Reception
    from tests.store.helpers import counters_match_rows

    inbox = await store.mailboxes.get(account.id, "INBOX")
    message = await prepare(make_message(subject="both"))
    bad = OutboundCopy("bob@example.org", ("not-an-address",), account.id)
    with pytest.raises(InvalidArgument):
        await store.deliver_and_queue(message, [Target(account.id, "INBOX")], bad)
    assert await store.db.fetchval("SELECT count(*) FROM messages") == 0
    assert await store.db.fetchval("SELECT count(*) FROM bodies") == 0
    assert await store.db.fetchval("SELECT used_bytes FROM accounts") == 0
    await counters_match_rows(store, account.id, inbox.id)

    good = OutboundCopy("bob@example.org", ("x@remote.example",), account.id, {"BODY": "8BITMIME"})
    (stored,) = await store.deliver_and_queue(
        message, [Target(account.id, "INBOX")], good, Reception("submission")
    )
    assert isinstance(stored, Stored) and stored.uid == 1
    (queued,) = await store.queue.list()
    assert [r.recipient for r in queued.recipients] == ["x@remote.example"]
    assert queued.params == {"BODY": "8BITMIME"}
    assert await store.db.fetchval("SELECT refcount FROM bodies") == 2  # copy + queue row
    assert await store.db.fetchval("SELECT count(*) FROM received_log") == 1
    await counters_match_rows(store, account.id, inbox.id)


async def test_queue_entry_alone_when_no_local_copy_fits(store, account):
    from mailstore.store import OutboundCopy, Target

    await store.directory.set_quota("bob@example.org", 10)
    message = await prepare(make_message(subject="too big for bob"))
    copy = OutboundCopy("bob@example.org", ("x@remote.example",), account.id)
    (result,) = await store.deliver_and_queue(message, [Target(account.id, "INBOX")], copy)
    assert type(result).__name__ == "OverQuota"
    assert await store.db.fetchval("SELECT count(*) FROM messages") == 0
    (queued,) = await store.queue.list()
    assert [r.recipient for r in queued.recipients] == ["x@remote.example"]
    assert await store.db.fetchval("SELECT refcount FROM bodies") == 1
