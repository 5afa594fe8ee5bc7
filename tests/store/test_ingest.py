"""Delivery and APPEND: one transaction, one body, exact counters, quota, byte-exactness."""

import asyncio

import pytest

from mailstore.errors import NotFound, OverQuota
from mailstore.store import Target, prepare
from tests.store.helpers import counters_match_rows, deliver, make_message


async def test_one_body_for_many_recipients(store, account):
    others = [await store.directory.add_account(f"u{i}@example.org", "pw") for i in range(3)]
    raw = make_message(body="x" * 5000 + "\r\n")
    results = await store.ingest.deliver(
        await prepare(raw), [Target(a.id) for a in [account, *others]]
    )
    assert [r.uid for r in results] == [1, 1, 1, 1]
    bodies = await store.db.fetch("SELECT refcount, size FROM bodies")
    assert [(b["refcount"], b["size"]) for b in bodies] == [(4, len(raw))]
    for a in [account, *others]:
        inbox = await store.mailboxes.get(a.id, "INBOX")
        assert (inbox.messages, inbox.unseen, inbox.size, inbox.uidnext) == (1, 1, len(raw), 2)
        await counters_match_rows(store, a.id, inbox.id)


async def test_same_message_twice_is_two_messages_one_body(store, account):
    raw = make_message()
    first = await deliver(store, account.id, raw)
    second = await deliver(store, account.id, raw)
    assert (first.uid, second.uid) == (1, 2)
    assert await store.db.fetchval("SELECT count(*) FROM bodies") == 1
    assert await store.db.fetchval("SELECT refcount FROM bodies") == 2


async def test_append_flags_and_internal_date(store, account):
    from datetime import UTC, datetime

    when = datetime(2020, 5, 17, 8, 30, tzinfo=UTC)
    stored = await store.ingest.append(
        account.id, "Sent", await prepare(make_message(), when), ["\\Seen", "$Forwarded", "\\seen"]
    )
    box = await store.mailboxes.get(account.id, "Sent")
    assert (box.messages, box.unseen) == (1, 0)
    (row,) = [r async for r in store.messages.fetch(account.id, box.id, [stored.uid])]
    assert row.flags == ("\\Seen", "$Forwarded")
    assert row.internal_date == when


async def test_append_to_missing_mailbox_fails_and_stores_nothing(store, account):
    with pytest.raises(NotFound):
        await store.ingest.append(account.id, "Nope", await prepare(make_message()))
    assert await store.db.fetchval("SELECT count(*) FROM bodies") == 0
    assert (await store.directory.get_account("bob@example.org")).used_bytes == 0


async def test_delivery_to_missing_mailbox_falls_back_to_inbox(store, account):
    result = await deliver(store, account.id, make_message(), mailbox="Lists/gone")
    assert result.mailbox == "INBOX"


async def test_quota_refuses_only_the_full_account(store, account):
    raw = make_message(body="y" * 2000 + "\r\n")
    carol = await store.directory.add_account("carol@example.org", "pw", quota_bytes=len(raw) * 2)
    _ok1, _ok2 = await store.ingest.deliver(
        await prepare(raw), [Target(account.id), Target(carol.id)]
    )
    await deliver(store, carol.id, raw)
    results = await store.ingest.deliver(await prepare(raw), [Target(account.id), Target(carol.id)])
    assert results[0].uid == 2
    assert isinstance(results[1], OverQuota)
    with pytest.raises(OverQuota):
        await store.ingest.append(carol.id, "INBOX", await prepare(raw))
    assert (await store.directory.get_account("carol@example.org")).used_bytes == 2 * len(raw)
    inbox = await store.mailboxes.get(carol.id, "INBOX")
    await counters_match_rows(store, carol.id, inbox.id)


async def test_all_targets_failing_commits_nothing(store, account):
    await store.directory.set_quota("bob@example.org", 10)
    (result,) = await store.ingest.deliver(await prepare(make_message()), [Target(account.id)])
    assert isinstance(result, OverQuota)
    assert await store.db.fetchval("SELECT count(*) FROM bodies") == 0
    inbox = await store.mailboxes.get(account.id, "INBOX")
    assert (inbox.messages, inbox.uidnext, inbox.highestmodseq) == (0, 1, 1)


MALFORMED = [
    b"",
    b"no header separator at all",
    b"Subject: only a header",
    b"From: a@b\n\nbare LF body\n.\n",
    b"From: a@b\r\nSubject: =?utf-8?B?broken\r\n\r\nbody",
    b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nno end boundary",
    b"\x00\x01\x02 binary junk \xff\xfe\r\n\r\n\x00",
    b"Subject: \xe9t\xe9 8-bit header\r\nContent-Type: text/plain; charset=bogus-charset\r\n\r\n\xe9\r\n",
    b'Content-Type: multipart/alternative; boundary="a"\r\n\r\n--a\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\ninner\r\n--b--\r\n--a--\r\n',
    b"Header-without-colon\r\nX: y\r\n\r\nbody",
    b'From: "unterminated <x@y\r\nTo: ;;;@@@\r\nDate: not a date\r\n\r\n',
]


@pytest.mark.parametrize("raw", MALFORMED)
async def test_malformed_messages_are_stored_byte_exact(store, account, raw):
    result = await deliver(store, account.id, raw)
    assert await store.messages.body(account.id, result.mailbox_id, result.uid) == raw


async def test_notification_reaches_listener(store, account):
    listener = await store.listener()
    got: asyncio.Queue = asyncio.Queue()
    inbox = await store.mailboxes.get(account.id, "INBOX")
    unsubscribe = listener.subscribe(account.id, inbox.id, got.put_nowait)
    try:
        await deliver(store, account.id, make_message())
        change = await asyncio.wait_for(got.get(), timeout=5)
        assert (change.account_id, change.mailbox_id, change.kind) == (
            account.id,
            inbox.id,
            "exists",
        )
        assert change.modseq == (await store.mailboxes.get(account.id, "INBOX")).highestmodseq
    finally:
        unsubscribe()
        await listener.close()


async def test_batch_with_a_message_whose_targets_all_fail_leaves_no_orphan_body(store, account):
    carol = await store.directory.add_account("carol@example.org", "pw", quota_bytes=10)
    ok = await prepare(make_message(subject="fits"))
    full = await prepare(make_message(subject="too big for carol"))
    results = await store.ingest.store([(ok, Target(account.id)), (full, Target(carol.id))])
    assert results[0].uid == 1 and isinstance(results[1], OverQuota)
    rows = await store.db.fetch("SELECT sha256, refcount FROM bodies")
    assert [(r["sha256"], r["refcount"]) for r in rows] == [(ok.parsed.sha256, 1)]
    assert await store.db.fetchval("SELECT count(*) FROM index_queue") == 1
