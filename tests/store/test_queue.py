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
