"""Importing into a real store: flags, dates, UIDs, dedup, resume, dry run, malformed input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bench.corpus import write_maildir, write_mbox
from mailstore.errors import OverQuota
from mailstore.transfer import Importer, ImportOptions, MaildirReader, find_folders, find_mboxes
from mailstore.transfer.maildir import Folder
from mailstore.transfer.mbox import MboxReader
from mailstore.transfer.source import TransferError
from tests.store.helpers import counters_match_rows
from tests.transfer.helpers import as_corpus, awkward_messages, corpus, stored

SMALL = ImportOptions(batch_messages=7)


async def run(store, account_id, sources, options=SMALL):
    async with Importer(store, options) as importer:
        return [await importer.run(account_id, s) for s in sources]


def mbox_of(tmp_path, messages, name="in.mbox"):
    path = tmp_path / name
    write_mbox(path, messages)
    return path


async def test_mbox_import_keeps_bytes_flags_dates_and_order(store, account, tmp_path):
    messages = corpus(25)
    path = mbox_of(tmp_path, messages)
    (result,) = await run(store, account.id, [MboxReader(path, "Archive")])
    assert (result.found, result.imported, result.present) == (25, 25, 0)
    got = await stored(store, account.id, "Archive")
    assert [raw for _, raw, _, _ in got] == [m.raw.replace(b"\r\n", b"\n") for m in messages]
    assert [d for _, _, _, d in got] == [m.internal_date.replace(microsecond=0) for m in messages]
    box = await store.mailboxes.get(account.id, "Archive")
    await counters_match_rows(store, account.id, box.id)


async def test_maildir_import_keeps_flags_keywords_and_folders(store, account, tmp_path):
    root = tmp_path / "Maildir"
    messages = corpus(30)
    write_maildir(root, messages[:20])
    write_maildir(root / ".Lists.python", messages[20:])
    sources = [MaildirReader(f) for f in find_folders(root)]
    results = await run(store, account.id, sources)
    assert sorted(r.mailbox for r in results) == ["INBOX", "Lists/python"]
    got = await stored(store, account.id, "INBOX") + await stored(store, account.id, "Lists/python")
    want = {m.raw: (m.flags, m.internal_date) for m in messages}
    assert len(got) == 30
    for _, raw, flags, date in got:
        assert flags == want[raw][0]
        assert date == want[raw][1].replace(microsecond=date.microsecond)
    # Lists (the parent) exists too, as IMAP expects of a hierarchy
    assert await store.mailboxes.get(account.id, "Lists")


async def test_second_run_adds_nothing(store, account, tmp_path):
    path = mbox_of(tmp_path, corpus(15))
    await run(store, account.id, [MboxReader(path, "INBOX")])
    before = await store.mailboxes.get(account.id, "INBOX")
    (again,) = await run(store, account.id, [MboxReader(path, "INBOX")])
    assert (again.found, again.imported, again.present) == (15, 0, 15)
    after = await store.mailboxes.get(account.id, "INBOX")
    assert (after.messages, after.uidnext, after.highestmodseq) == (
        before.messages,
        before.uidnext,
        before.highestmodseq,
    )


async def test_identical_messages_in_the_source_are_all_kept(store, account, tmp_path):
    messages = corpus(3)
    twice = [*messages, messages[1], messages[1]]
    path = mbox_of(tmp_path, twice)
    (first,) = await run(store, account.id, [MboxReader(path, "INBOX")])
    assert first.imported == 5
    (second,) = await run(store, account.id, [MboxReader(path, "INBOX")])
    assert (second.imported, second.present) == (0, 5)
    assert len(await stored(store, account.id, "INBOX")) == 5


async def test_resume_after_interruption(store, account, tmp_path):
    messages = corpus(20)
    full = mbox_of(tmp_path, messages, "full.mbox")
    data = full.read_bytes()
    cut = data.index(b"\nFrom ", len(data) // 2) + 30  # in the middle of a From_ line region
    partial = tmp_path / "partial.mbox"
    partial.write_bytes(data[:cut])
    with pytest.raises(TransferError, match="truncated"):
        await run(store, account.id, [MboxReader(partial, "INBOX")])
    done = len(await stored(store, account.id, "INBOX"))
    assert 0 < done < 20
    box = await store.mailboxes.get(account.id, "INBOX")
    await counters_match_rows(store, account.id, box.id)
    (result,) = await run(store, account.id, [MboxReader(full, "INBOX")])
    assert (result.present, result.imported) == (done, 20 - done)
    got = await stored(store, account.id, "INBOX")
    assert [raw for _, raw, _, _ in got] == [m.raw.replace(b"\r\n", b"\n") for m in messages]


async def test_dovecot_uidlist_keeps_uids_and_uidvalidity(store, account, tmp_path):
    root = tmp_path / "Maildir"
    write_maildir(root, corpus(6))
    names = sorted(p.name.split(":")[0] for p in (root / "cur").iterdir()) + sorted(
        p.name for p in (root / "new").iterdir()
    )
    uids = [3, 5, 8, 13, 21, 34]
    (root / "dovecot-uidlist").write_text(
        "3 V1700000123 N50 Gabc\n"
        + "".join(f"{u} :{n}\n" for u, n in zip(uids, names, strict=True))
    )
    (result,) = await run(store, account.id, [MaildirReader(Folder("INBOX", root))])
    assert result.uids_kept == 6
    box = await store.mailboxes.get(account.id, "INBOX")
    assert (box.uidvalidity, box.uidnext) == (1700000123, 50)
    assert [uid for uid, _, _, _ in await stored(store, account.id, "INBOX")] == uids
    await counters_match_rows(store, account.id, box.id)
    # a new mailbox created later gets a greater UIDVALIDITY (RFC 9051 §2.3.1.1)
    created = await store.mailboxes.create(account.id, "Later")
    assert created.uidvalidity > 1700000123
    # a second run keeps everything as it is
    (again,) = await run(store, account.id, [MaildirReader(Folder("INBOX", root))])
    assert again.imported == 0
    assert (await store.mailboxes.get(account.id, "INBOX")).uidnext == 50


async def test_uids_are_not_forced_into_a_used_mailbox(store, account, tmp_path):
    other = tmp_path / "other.mbox"
    write_mbox(other, corpus(2, seed=9))
    await run(store, account.id, [MboxReader(other, "INBOX")])
    root = tmp_path / "Maildir"
    write_maildir(root, corpus(3))
    names = [p.name.split(":")[0] for p in sorted((root / "cur").iterdir())]
    names += [p.name for p in sorted((root / "new").iterdir())]
    (root / "dovecot-uidlist").write_text(
        "3 V77 N9\n" + "".join(f"{i + 1} :{n}\n" for i, n in enumerate(names))
    )
    (result,) = await run(store, account.id, [MaildirReader(Folder("INBOX", root))])
    assert (result.imported, result.uids_kept) == (3, 0)
    assert any("UIDs not kept" in n for n in result.notes)
    box = await store.mailboxes.get(account.id, "INBOX")
    assert box.uidvalidity != 77
    assert [u for u, _, _, _ in await stored(store, account.id, "INBOX")] == [1, 2, 3, 4, 5]


async def test_dry_run_changes_nothing(store, account, tmp_path):
    path = mbox_of(tmp_path, corpus(8))
    before = await store.mailboxes.list(account.id)
    (result,) = await run(
        store, account.id, [MboxReader(path, "New/Box")], ImportOptions(dry_run=True)
    )
    assert (result.found, result.imported, result.created) == (8, 8, True)
    assert await store.mailboxes.list(account.id) == before
    await run(store, account.id, [MboxReader(path, "INBOX")])
    (result,) = await run(
        store, account.id, [MboxReader(path, "INBOX")], ImportOptions(dry_run=True)
    )
    assert (result.imported, result.present) == (0, 8)


async def test_malformed_messages_are_stored_byte_exact_and_counted(store, account, tmp_path):
    root = tmp_path / "Maildir"
    messages = as_corpus(awkward_messages())
    write_maildir(root, messages)
    (result,) = await run(store, account.id, [MaildirReader(Folder("INBOX", root))])
    assert result.imported == len(messages)
    assert result.malformed == 1 and "not a field" in result.malformed_examples[0]
    got = {raw for _, raw, _, _ in await stored(store, account.id, "INBOX")}
    assert got == {m.raw for m in messages}


async def test_bad_keywords_are_left_out_not_fatal(store, account, tmp_path):
    path = tmp_path / "m"
    path.write_bytes(
        b"From x Thu Feb 29 13:14:15 2024\nX-Keywords: good (bad) \xc3\xa9t\xc3\xa9\n"
        b"Subject: k\n\nbody\n"
    )
    (result,) = await run(store, account.id, [MboxReader(path, "INBOX")])
    assert result.imported == 1 and result.dropped_keywords == 2
    ((_, _, flags, _),) = await stored(store, account.id, "INBOX")
    assert flags == {"good"}


async def test_over_quota_stops_with_a_clear_error(store, account, tmp_path):
    await store.directory.set_quota(account.address, 20_000)
    path = mbox_of(tmp_path, corpus(30))
    with pytest.raises(OverQuota, match="after"):
        await run(store, account.id, [MboxReader(path, "INBOX")])
    box = await store.mailboxes.get(account.id, "INBOX")
    await counters_match_rows(store, account.id, box.id)


async def test_parser_processes_give_the_same_result(store, account, tmp_path):
    messages = corpus(12)
    path = mbox_of(tmp_path, messages)
    (result,) = await run(
        store,
        account.id,
        [MboxReader(path, "INBOX")],
        ImportOptions(batch_messages=5, parse_workers=2),
    )
    assert result.imported == 12
    got = await stored(store, account.id, "INBOX")
    assert [raw for _, raw, _, _ in got] == [m.raw.replace(b"\r\n", b"\n") for m in messages]
    row = await store.db.fetchrow("SELECT subject, envelope FROM bodies ORDER BY id LIMIT 1")
    assert row["subject"] and row["envelope"]


async def test_mbox_folder_import(store, account, tmp_path):
    root = tmp_path / "mail"
    (root / "Lists").mkdir(parents=True)
    write_mbox(root / "Sent.mbox", corpus(2, seed=4))
    write_mbox(root / "Lists" / "python", corpus(3, seed=5))
    (root / "empty").write_bytes(b"")
    readers, _ = find_mboxes(root)
    results = await run(store, account.id, readers)
    assert {r.mailbox: r.imported for r in results} == {"Lists/python": 3, "Sent": 2, "empty": 0}
    assert await store.mailboxes.get(account.id, "empty")


async def test_internal_date_falls_back_to_the_date_header(store, account, tmp_path):
    path = tmp_path / "m"
    path.write_bytes(
        b"From x Thu Feb 29 13:14:15 2024\nDate: Mon, 1 Jan 2024 10:00:00 +0000\nSubject: a\n\nx\n"
    )
    reader = MboxReader(path, "INBOX")
    messages = list(reader)
    messages[0].internal_date = None

    class Plain:
        mailbox, size, format, uidvalidity, uidnext, notes = "INBOX", 0, "test", None, None, []

        def __iter__(self):
            return iter(messages)

    Plain.path = path
    await run(store, account.id, [Plain()])
    ((_, _, _, date),) = await stored(store, account.id, "INBOX")
    assert date == datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
