"""STORE (+ .SILENT, UNCHANGEDSINCE), COPY, MOVE, EXPUNGE, UID EXPUNGE, CLOSE, UNSELECT."""

from __future__ import annotations

import asyncio

from tests.imap.helpers import deliver_many, status_of


async def test_store_variants(imap):
    await deliver_many(imap.store, imap.account, 3)

    def scenario():
        t = imap.transcript(login=True)
        t.ok("SELECT INBOX")
        assert t.ok("STORE 1 +FLAGS (\\Flagged $Work)") == [
            b"* 1 FETCH (FLAGS (\\Flagged $Work \\Recent) UID 1)"
        ]
        # already set: still reported, with the flags as they are (RFC 9051 §6.4.6)
        assert t.ok("STORE 1 +FLAGS \\Flagged") == [
            b"* 1 FETCH (FLAGS (\\Flagged $Work \\Recent) UID 1)"
        ]
        assert t.ok("STORE 1 -FLAGS ($work)") == [b"* 1 FETCH (FLAGS (\\Flagged \\Recent) UID 1)"]
        assert t.ok("STORE 1:2 FLAGS.SILENT (\\Seen)") == []
        assert t.ok("UID STORE 2 FLAGS ()") == [b"* 2 FETCH (FLAGS (\\Recent) UID 2)"]
        assert status_of(t.command("STORE 1 +FLAGS (\\Bogus)")) == b"BAD"
        assert t.ok("FETCH 1 FLAGS") == [b"* 1 FETCH (FLAGS (\\Seen \\Recent))"]
        assert t.ok("NOOP") == []  # our own changes are not reported again

    await asyncio.to_thread(scenario)


async def test_store_with_imapclient(imap):
    await deliver_many(imap.store, imap.account, 2)

    def scenario():
        c = imap.imapclient()
        c.select_folder("INBOX")
        assert c.add_flags([1, 2], [b"\\Answered"]) == {
            1: (b"\\Answered", b"\\Recent"),
            2: (b"\\Answered", b"\\Recent"),
        }
        assert c.remove_flags([2], [b"\\Answered"]) == {2: (b"\\Recent",)}
        assert c.get_flags([1, 2]) == {1: (b"\\Answered", b"\\Recent"), 2: (b"\\Recent",)}

    await asyncio.to_thread(scenario)


async def test_conditional_store(imap):
    await deliver_many(imap.store, imap.account, 3)

    def scenario():
        t = imap.transcript(login=True)
        lines = t.ok("SELECT INBOX (CONDSTORE)")
        highest = int(next(x for x in lines if b"HIGHESTMODSEQ" in x).split(b" ")[3].rstrip(b"]"))
        lines = t.ok("STORE 1 +FLAGS.SILENT (\\Seen)")  # CONDSTORE: MODSEQ even when silent
        (line,) = lines
        assert line.startswith(b"* 1 FETCH (UID 1 MODSEQ (") and b"FLAGS" not in line
        lines = t.command(f"STORE 1:3 (UNCHANGEDSINCE {highest}) +FLAGS (\\Flagged)")
        assert lines[-1] == b"t4 OK [MODIFIED 1] conditional STORE failed"
        assert len(lines) == 3 and all(b"\\Flagged" in x and b"MODSEQ" in x for x in lines[:2])
        lines = t.command("UID STORE 1:3 (UNCHANGEDSINCE 1) FLAGS ()")
        assert lines[-1].startswith(b"t5 OK [MODIFIED 1:3]")
        (line,) = t.ok("FETCH 2 (MODSEQ)")
        assert line.startswith(b"* 2 FETCH (MODSEQ (")

    await asyncio.to_thread(scenario)


async def test_copy_and_move(imap):
    await deliver_many(imap.store, imap.account, 4)
    trash = await imap.store.mailboxes.get(imap.account.id, "Trash")

    def scenario():
        t = imap.transcript(login=True)
        t.ok("SELECT INBOX")
        lines = t.command("COPY 1:2 Trash")
        assert lines[-1] == b"t3 OK [COPYUID %d 1:2 1:2] COPY completed" % trash.uidvalidity
        assert b"[TRYCREATE]" in t.command("COPY 1 Nowhere")[-1]
        lines = t.command("MOVE 2:3 Trash")
        assert lines[0] == b"* OK [COPYUID %d 2:3 3:4] moved" % trash.uidvalidity
        assert lines[1:3] == [b"* 2 EXPUNGE", b"* 2 EXPUNGE"]
        assert lines[-1] == b"t5 OK MOVE completed"
        lines = t.command("UID MOVE 4 Trash")
        assert lines[1] == b"* 2 EXPUNGE" and b"COPYUID %d 4 5" % trash.uidvalidity in lines[0]
        assert t.ok("UID COPY 99 Trash") == []  # nothing to copy: OK without COPYUID
        assert status_of(t.command("COPY 5 Trash")) == b"BAD"
        assert b"* 2 EXISTS" in t.command("COPY 1 INBOX")  # into itself: EXISTS at once

    await asyncio.to_thread(scenario)


async def test_expunge_uid_expunge_close_unselect(imap):
    await deliver_many(imap.store, imap.account, 6)

    def scenario():
        c = imap.login()
        c.select("INBOX")
        c.store("1,3,4", "+FLAGS", "(\\Deleted)")
        _, data = c.expunge()
        assert data == [b"1", b"2", b"2"]  # each EXPUNGE renumbers the rest
        t = imap.transcript(login=True)
        t.ok("SELECT INBOX")  # 2 5 6 left
        t.ok("STORE 1:3 +FLAGS.SILENT (\\Deleted)")
        assert t.ok("UID EXPUNGE 5:6") == [b"* 2 EXPUNGE", b"* 2 EXPUNGE"]
        t.ok("UNSELECT")  # no expunge
        t.ok("SELECT INBOX")
        assert t.ok("FETCH 1 UID") == [b"* 1 FETCH (UID 2)"]
        assert t.ok("CLOSE") == []  # expunges silently
        t.ok("EXAMINE INBOX")
        assert b"* 0 EXISTS" in t.ok("SELECT INBOX")

    await asyncio.to_thread(scenario)


async def test_expunge_with_qresync_is_vanished(imap):
    await deliver_many(imap.store, imap.account, 3)

    def scenario():
        t = imap.transcript(login=True)
        t.ok("ENABLE QRESYNC")
        t.ok("SELECT INBOX")
        t.ok("STORE 1:2 +FLAGS.SILENT (\\Deleted)")
        lines = t.command("EXPUNGE")
        assert lines[0] == b"* VANISHED 1:2"
        assert lines[1].startswith(b"t5 OK [HIGHESTMODSEQ ")
        lines = t.ok("MOVE 1 Trash")
        assert lines[1] == b"* VANISHED 3"

    await asyncio.to_thread(scenario)
