"""Flags, copy, move, expunge, changes since a modseq, mailbox operations."""

import pytest

from mailstore.errors import AlreadyExists, Cannot, InvalidArgument, NotFound, OverQuota
from mailstore.store import FlagOp
from tests.store.helpers import counters_match_rows, deliver, make_message


async def _fill(store, account, n=5, mailbox="INBOX"):
    for i in range(n):
        await deliver(
            store, account.id, make_message(subject=f"m{i}", body=f"body {i}\r\n"), mailbox
        )
    return await store.mailboxes.get(account.id, mailbox)


async def _flags(store, account, box):
    return {
        r.uid: r.flags
        async for r in store.messages.fetch(
            account.id, box.id, await store.messages.uids(account.id, box.id)
        )
    }


async def test_store_flags_add_remove_set(store, account):
    box = await _fill(store, account)
    before = box.highestmodseq
    res = await store.messages.store_flags(
        account.id, box.id, [1, 2], FlagOp.ADD, ["\\Seen", "$Work"]
    )
    assert [c.uid for c in res.changed] == [1, 2]
    assert all(c.modseq == before + 1 for c in res.changed)
    assert res.highestmodseq == before + 1
    # adding again changes nothing and bumps no modseq
    res = await store.messages.store_flags(
        account.id, box.id, [1, 2], FlagOp.ADD, ["\\SEEN", "$work"]
    )
    assert res.changed == [] and res.highestmodseq == before + 1
    await store.messages.store_flags(account.id, box.id, [2], FlagOp.REMOVE, ["$WORK"])
    await store.messages.store_flags(
        account.id, box.id, [3], FlagOp.SET, ["\\Deleted", "\\Flagged"]
    )
    flags = await _flags(store, account, box)
    assert flags[1] == ("\\Seen", "$Work")
    assert flags[2] == ("\\Seen",)
    assert flags[3] == ("\\Flagged", "\\Deleted")
    box = await store.mailboxes.get(account.id, "INBOX")
    assert (box.unseen, box.deleted) == (3, 1)
    await counters_match_rows(store, account.id, box.id)


async def test_store_rejects_bad_flags(store, account):
    box = await _fill(store, account, 1)
    with pytest.raises(InvalidArgument):
        await store.messages.store_flags(account.id, box.id, [1], FlagOp.ADD, ["\\Bogus"])
    with pytest.raises(InvalidArgument):
        await store.messages.store_flags(account.id, box.id, [1], FlagOp.ADD, ["bad(word"])


async def test_unchangedsince_reports_modified(store, account):
    box = await _fill(store, account, 3)
    first = await store.messages.store_flags(account.id, box.id, [2], FlagOp.ADD, ["\\Flagged"])
    res = await store.messages.store_flags(
        account.id,
        box.id,
        [1, 2, 3],
        FlagOp.ADD,
        ["\\Seen"],
        unchangedsince=first.highestmodseq - 1,
    )
    assert res.modified == [2]
    assert [c.uid for c in res.changed] == [1, 3]


async def test_expunge_only_deleted_and_log(store, account):
    box = await _fill(store, account, 5)
    await store.messages.store_flags(account.id, box.id, [2, 4, 5], FlagOp.ADD, ["\\Deleted"])
    mid = (await store.mailboxes.get(account.id, "INBOX")).highestmodseq
    res = await store.messages.expunge(account.id, box.id, uids=[4, 5, 1])
    assert res.uids == [4, 5]
    res2 = await store.messages.expunge(account.id, box.id)
    assert res2.uids == [2]
    assert await store.messages.uids(account.id, box.id) == [1, 3]
    changes = await store.messages.changes_since(account.id, box.id, mid)
    assert changes.vanished == [2, 4, 5]
    await counters_match_rows(store, account.id, box.id)
    assert await store.db.fetchval("SELECT count(*) FROM bodies") == 2


async def test_copy_and_move(store, account):
    box = await _fill(store, account, 4)
    await store.messages.store_flags(account.id, box.id, [2], FlagOp.ADD, ["\\Seen", "$x"])
    archive = await store.mailboxes.get(account.id, "Archive")
    res = await store.messages.copy(account.id, box.id, [2, 3], archive.id)
    assert res.pairs == [(2, 1), (3, 2)] and res.uidvalidity == archive.uidvalidity
    assert await store.db.fetchval("SELECT sum(refcount) FROM bodies") == 6
    flags = await _flags(store, account, archive)
    assert flags[1] == ("\\Seen", "$x")
    moved = await store.messages.copy(account.id, box.id, [1, 4, 99], archive.id, move=True)
    assert moved.pairs == [(1, 3), (4, 4)] and moved.expunged == [1, 4]
    assert await store.messages.uids(account.id, box.id) == [2, 3]
    assert await store.messages.uids(account.id, archive.id) == [1, 2, 3, 4]
    assert await store.db.fetchval("SELECT sum(refcount) FROM bodies") == 6
    for b in (box, archive):
        await counters_match_rows(store, account.id, b.id)


async def test_copy_respects_quota_move_does_not_need_it(store, account):
    box = await _fill(store, account, 2)
    await store.directory.set_quota("bob@example.org", box.size + 1)
    trash = await store.mailboxes.get(account.id, "Trash")
    with pytest.raises(OverQuota):
        await store.messages.copy(account.id, box.id, [1], trash.id)
    res = await store.messages.copy(account.id, box.id, [1], trash.id, move=True)
    assert res.pairs == [(1, 1)]


async def test_changes_since(store, account):
    box = await _fill(store, account, 3)
    mark = (await store.mailboxes.get(account.id, "INBOX")).highestmodseq
    await store.messages.store_flags(account.id, box.id, [3], FlagOp.ADD, ["\\Answered"])
    await deliver(store, account.id, make_message(subject="new"))
    changes = await store.messages.changes_since(account.id, box.id, mark)
    assert [(c.uid, c.flags) for c in changes.changed] == [(3, ("\\Answered",)), (4, ())]
    assert changes.vanished == []


async def test_mailbox_create_rename_delete(store, account):
    await store.mailboxes.create(account.id, "Lists/python/dev")
    names = [m.name for m in await store.mailboxes.list(account.id)]
    assert {"Lists", "Lists/python", "Lists/python/dev"} <= set(names)
    with pytest.raises(AlreadyExists):
        await store.mailboxes.create(
            account.id, "lists/python"
        ) if False else await store.mailboxes.create(account.id, "Lists/python")
    for bad in ["", "a//b", "/a", "a/", "a/../b", "x\x01y", "a/*", "a/ b"]:
        with pytest.raises(InvalidArgument):
            await store.mailboxes.create(account.id, bad)
    lists = await store.mailboxes.get(account.id, "Lists/python")
    await _fill(store, account, 2, "Lists/python")
    await store.mailboxes.subscribe(account.id, "Lists/python/dev")
    await store.mailboxes.rename(account.id, "Lists", "Archive/Lists")
    names = [m.name for m in await store.mailboxes.list(account.id)]
    assert "Archive/Lists/python/dev" in names and "Lists/python" not in names
    moved = await store.mailboxes.get(account.id, "Archive/Lists/python")
    assert (moved.id, moved.uidvalidity, moved.messages) == (lists.id, lists.uidvalidity, 2)
    assert "Archive/Lists/python/dev" in await store.mailboxes.subscriptions(account.id)
    with pytest.raises(Cannot):
        await store.mailboxes.rename(account.id, "Archive", "Archive/Sub")
    with pytest.raises(NotFound):
        await store.mailboxes.rename(account.id, "Nope", "Other")
    await store.mailboxes.delete(account.id, "Archive/Lists/python")
    assert await store.db.fetchval("SELECT count(*) FROM bodies") == 0
    assert (await store.directory.get_account("bob@example.org")).used_bytes == 0
    with pytest.raises(Cannot):
        await store.mailboxes.delete(account.id, "inbox")


async def test_rename_inbox_moves_messages(store, account):
    inbox = await _fill(store, account, 3)
    await store.mailboxes.rename(account.id, "INBOX", "Old")
    old = await store.mailboxes.get(account.id, "Old")
    assert await store.messages.uids(account.id, old.id) == [1, 2, 3]
    assert old.uidvalidity != inbox.uidvalidity
    inbox2 = await store.mailboxes.get(account.id, "inbox")
    assert (inbox2.id, inbox2.messages, inbox2.uidnext) == (inbox.id, 0, 4)
    changes = await store.messages.changes_since(account.id, inbox.id, inbox.highestmodseq)
    assert changes.vanished == [1, 2, 3]
    stored = await deliver(store, account.id, make_message(subject="after"))
    assert stored.uid == 4
    for b in (inbox2, old):
        await counters_match_rows(store, account.id, b.id)


async def test_recreated_mailbox_has_new_uidvalidity(store, account):
    a = await store.mailboxes.create(account.id, "Temp")
    await store.mailboxes.delete(account.id, "Temp")
    b = await store.mailboxes.create(account.id, "Temp")
    assert b.uidvalidity > a.uidvalidity


async def test_recent_is_claimed_once(store, account):
    box = await _fill(store, account, 3)
    assert await store.mailboxes.claim_recent(account.id, box.id, box.uidnext) == 1
    assert await store.mailboxes.claim_recent(account.id, box.id, box.uidnext) == 4


async def test_remove_account_frees_everything(store, account):
    await _fill(store, account, 3)
    carol = await store.directory.add_account("carol@example.org", "pw")
    shared = make_message(subject="shared")
    await deliver(store, account.id, shared)
    await deliver(store, carol.id, shared)
    await store.directory.remove_account("bob@example.org")
    assert await store.db.fetchval("SELECT count(*) FROM bodies") == 1
    assert await store.db.fetchval("SELECT refcount FROM bodies") == 1
    assert (
        await store.db.fetchval("SELECT count(*) FROM mailboxes WHERE account_id = $1", account.id)
        == 0
    )


async def test_first_unseen(store, account):
    box = await _fill(store, account, 4)
    assert await store.messages.first_unseen(account.id, box.id) == 1
    await store.messages.store_flags(account.id, box.id, [1, 2], FlagOp.ADD, ["\\Seen"])
    assert await store.messages.first_unseen(account.id, box.id) == 3
    assert await store.messages.first_unseen(account.id, box.id, max_uid=2) is None
    await store.messages.store_flags(account.id, box.id, [3, 4], FlagOp.ADD, ["\\Seen"])
    assert await store.messages.first_unseen(account.id, box.id) is None
