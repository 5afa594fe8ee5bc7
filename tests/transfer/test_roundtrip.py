"""Import -> export -> import keeps every message byte for byte, with its flags, keywords,
dates and (through Maildir) UIDs; Python's ``mailbox`` module reads the exports independently."""

from __future__ import annotations

import mailbox
import re

from bench.corpus import write_maildir
from mailstore.transfer import Exporter, Importer, ImportOptions, MaildirReader, find_folders
from mailstore.transfer.exporter import mbox_file
from mailstore.transfer.mbox import find_mboxes
from tests.transfer.helpers import as_corpus, awkward_messages, corpus, stored

OPTIONS = ImportOptions(batch_messages=9)
_QUOTED = re.compile(rb"^>(>*From )", re.M)
_META_LINE = re.compile(rb"^(Status|X-Status|X-Keywords): [^\n]*\n", re.M)


async def import_all(store, account_id, sources):
    async with Importer(store, OPTIONS) as importer:
        return [await importer.run(account_id, s) for s in sources]


async def source_account(store, account, tmp_path):
    """bob's INBOX and Lists/python filled from a Maildir with awkward and corpus messages."""
    root = tmp_path / "src"
    write_maildir(root, as_corpus(awkward_messages()) + corpus(10)[:5])
    write_maildir(root / ".Lists.python", corpus(10)[5:])
    await import_all(store, account.id, [MaildirReader(f) for f in find_folders(root)])
    return {name: await stored(store, account.id, name) for name in ("INBOX", "Lists/python")}


def same_mail(a, b, uids=False):
    """Same bytes, flags and internal dates (to the second) in the same order."""
    assert [raw for _, raw, _, _ in a] == [raw for _, raw, _, _ in b]
    assert [flags for _, _, flags, _ in a] == [flags for _, _, flags, _ in b]
    assert [int(d.timestamp()) for *_, d in a] == [int(d.timestamp()) for *_, d in b]
    if uids:
        assert [u for u, *_ in a] == [u for u, *_ in b]


async def test_mbox_round_trip(store, account, tmp_path):
    original = await source_account(store, account, tmp_path)
    dest = tmp_path / "mbox"
    exporter = Exporter(store)
    for box in await store.mailboxes.list(account.id):
        await exporter.mbox(account.id, box, mbox_file(dest, box.name))

    # Python's mailbox reads the same messages and flags
    for name, messages in original.items():
        pybox = mailbox.mbox(str(mbox_file(dest, name)), create=False)
        got = list(pybox)
        assert len(got) == len(messages)
        for key, (_, raw, flags, _) in zip(pybox.keys(), messages, strict=True):
            data = _QUOTED.sub(rb"\1", pybox.get_bytes(key))
            data = _META_LINE.sub(b"", data.replace(b"\r\n", b"\n"))
            expect = raw.replace(b"\r\n", b"\n")
            if not raw.endswith(b"\n"):
                expect += b"\n"
            if b"Status: RO\nX-Keywords: stale\n" in expect:  # replaced by the flags' own fields
                expect = expect.replace(b"Status: RO\nX-Keywords: stale\n", b"")
            assert data.rstrip(b"\n") == expect.rstrip(b"\n")
            pyflags = pybox[key].get_flags()
            assert ("R" in pyflags) == ("\\Seen" in flags)
            assert ("F" in pyflags) == ("\\Flagged" in flags)
            assert ("A" in pyflags) == ("\\Answered" in flags)
            assert ("D" in pyflags) == ("\\Deleted" in flags)
            assert ("T" in pyflags) == ("\\Draft" in flags)

    # and a re-import gives back exactly what was exported
    await store.directory.add_account("carol@example.org", None)
    carol = await store.directory.get_account("carol@example.org")
    readers, _ = find_mboxes(dest)
    await import_all(store, carol.id, readers)
    for name, messages in original.items():
        again = await stored(store, carol.id, name)
        fixed = [
            # mbox cannot hold a message without a final line break: the export adds one
            (u, raw if raw.endswith(b"\n") else raw + b"\r\n", flags, d)
            for u, raw, flags, d in messages
            if b"X-Keywords: stale" not in raw
        ]
        same_mail([m for m in again if b"had mbox fields" not in m[1]], fixed)


async def test_maildir_round_trip_keeps_uids(store, account, tmp_path):
    original = await source_account(store, account, tmp_path)
    # gaps in the UIDs, as expunges leave, at the end too (so UIDNEXT > highest UID + 1)
    inbox = await store.mailboxes.get(account.id, "INBOX")
    uids = await store.messages.uids(account.id, inbox.id)
    await store.messages.remove(account.id, inbox.id, [uids[2], uids[-1]])
    original["INBOX"] = [m for m in original["INBOX"] if m[0] not in (uids[2], uids[-1])]
    inbox = await store.mailboxes.get(account.id, "INBOX")
    dest = tmp_path / "maildir"
    exporter = Exporter(store)
    for box in await store.mailboxes.list(account.id):
        await exporter.maildir(account.id, box, dest)

    md = mailbox.Maildir(str(dest), factory=None, create=False)
    assert sorted(md.list_folders()) == [
        "Archive", "Drafts", "Junk", "Lists", "Lists.python", "Sent", "Trash"
    ]  # fmt: skip
    for name, folder in (("INBOX", md), ("Lists/python", md.get_folder("Lists.python"))):
        by_bytes = {folder.get_bytes(k): folder[k] for k in folder.keys()}
        assert sorted(by_bytes) == sorted(raw for _, raw, _, _ in original[name])
        for _, raw, flags, date in original[name]:
            message = by_bytes[raw]
            letters = {
                "\\Seen": "S", "\\Flagged": "F", "\\Answered": "R",
                "\\Deleted": "T", "\\Draft": "D", "$Forwarded": "P",
            }  # fmt: skip
            assert {c for c in message.get_flags() if c.isupper()} == {
                letters[f] for f in flags if f in letters
            }
            assert int(message.get_date()) == int(date.timestamp())

    await store.directory.add_account("dave@example.org", None)
    dave = await store.directory.get_account("dave@example.org")
    await import_all(store, dave.id, [MaildirReader(f) for f in find_folders(dest)])
    for name, messages in original.items():
        same_mail(await stored(store, dave.id, name), messages, uids=True)
    copy = await store.mailboxes.get(dave.id, "INBOX")
    assert (copy.uidvalidity, copy.uidnext) == (inbox.uidvalidity, inbox.uidnext)
