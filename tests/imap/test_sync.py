"""Several sessions on one mailbox: EXISTS / EXPUNGE / FETCH FLAGS at the next command, the
RFC 9051 §7.5.1 rules, IDLE woken by the engine, CONDSTORE/QRESYNC resynchronisation."""

from __future__ import annotations

import asyncio
import time

from mailstore.store import FlagOp
from tests.imap.helpers import deliver, deliver_many, make_message


async def test_two_sessions_see_each_others_changes(imap):
    await deliver_many(imap.store, imap.account, 3)

    def scenario():
        a = imap.transcript(login=True)
        b = imap.transcript(login=True)
        a.ok("SELECT INBOX")
        b.ok("SELECT INBOX")
        a.ok("STORE 2 +FLAGS.SILENT (\\Flagged)")
        assert b.ok("NOOP") == [b"* 2 FETCH (FLAGS (\\Flagged) UID 2)"]
        a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        a.ok("EXPUNGE")
        a.send(b"x APPEND INBOX {%d+}\r\n%s\r\n" % (len(make_message()), make_message()))
        assert a.until("x")[-1].startswith(b"x OK")
        lines = b.ok("NOOP")
        # the new message's \Recent went to session a, which had INBOX selected
        assert lines == [b"* 1 EXPUNGE", b"* 3 EXISTS", b"* 0 RECENT"]
        assert b.ok("FETCH 3 UID") == [b"* 3 FETCH (UID 4)"]

    await asyncio.to_thread(scenario)


async def test_no_expunge_during_fetch_store_search(imap):
    await deliver_many(imap.store, imap.account, 3)

    def scenario():
        a = imap.transcript(login=True)
        b = imap.transcript(login=True)
        a.ok("SELECT INBOX")
        b.ok("SELECT INBOX")
        a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        a.ok("EXPUNGE")
        a.ok("UID STORE 2 +FLAGS.SILENT (\\Seen)")  # a later change b will see reported
        # FETCH by sequence number until b has caught up: message 1 is gone, but no EXPUNGE
        # may come while sequence numbers must stay valid (RFC 9051 §7.5.1)
        for _ in range(50):
            lines = b.ok("FETCH 3 UID")
            assert not any(b"EXPUNGE" in line for line in lines)
            if b"* 2 FETCH (FLAGS (\\Seen) UID 2)" in lines:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"the change never reached session b: {lines}")
        assert b.ok("FETCH 3 UID") == [b"* 3 FETCH (UID 3)"]  # still message 3
        assert b.ok("SEARCH ALL") == [b"* SEARCH 2 3"]  # the expunged message is not found
        assert not any(b"EXPUNGE" in line for line in b.ok("STORE 2 +FLAGS.SILENT (\\Seen)"))
        assert b.ok("UID SEARCH ALL") == [b"* SEARCH 2 3", b"* 1 EXPUNGE"]  # now it may come
        assert b.ok("FETCH 1 UID") == [b"* 1 FETCH (UID 2)"]

    await asyncio.to_thread(scenario)


async def test_idle_is_woken_by_a_delivery(imap):
    await deliver(imap.store, imap.account, make_message())
    loop = asyncio.get_running_loop()
    idling = asyncio.Event()

    def scenario():
        t = imap.transcript(login=True)
        t.ok("SELECT INBOX")
        t.send(b"i IDLE\r\n")
        assert t.line() == b"+ idling"
        loop.call_soon_threadsafe(idling.set)
        started = time.monotonic()
        assert t.line() == b"* 2 EXISTS"
        assert t.line() == b"* 2 RECENT"
        assert time.monotonic() - started < 2
        t.send(b"DONE\r\n")
        assert t.line() == b"i OK IDLE terminated"

    client = asyncio.create_task(asyncio.to_thread(scenario))
    await idling.wait()
    await deliver(imap.store, imap.account, make_message("new"))
    await client


async def test_idle_reports_flags_and_expunges_from_the_engine(imap):
    uids = await deliver_many(imap.store, imap.account, 2)
    box = await imap.store.mailboxes.get(imap.account.id, "INBOX")
    loop = asyncio.get_running_loop()
    idling, flagged = asyncio.Event(), asyncio.Event()

    def scenario():
        t = imap.transcript(login=True)
        t.ok("SELECT INBOX")
        t.send(b"i IDLE\r\n")
        assert t.line() == b"+ idling"
        loop.call_soon_threadsafe(idling.set)
        assert t.line() == b"* 1 FETCH (FLAGS (\\Deleted \\Recent) UID 1)"
        loop.call_soon_threadsafe(flagged.set)
        assert t.line() == b"* 1 EXPUNGE"
        t.send(b"done\r\n")
        assert t.line() == b"i OK IDLE terminated"
        t.send(b"j IDLE\r\n")
        assert t.line() == b"+ idling"
        t.send(b"nope\r\n")
        assert t.line().startswith(b"j BAD")

    client = asyncio.create_task(asyncio.to_thread(scenario))
    await idling.wait()
    await imap.store.messages.store_flags(
        imap.account.id, box.id, uids[:1], FlagOp.ADD, ["\\Deleted"]
    )
    await asyncio.wait_for(flagged.wait(), 5)
    await imap.store.messages.expunge(imap.account.id, box.id)
    await client


async def test_idle_with_imapclient_in_authenticated_state(imap):
    def scenario():
        c = imap.imapclient()
        c.idle()
        assert c.idle_check(timeout=0.1) == []
        c.idle_done()
        c.select_folder("INBOX")
        c.idle()
        c.idle_done()

    await asyncio.to_thread(scenario)


async def test_condstore_resync_with_changedsince(imap):
    await deliver_many(imap.store, imap.account, 3)

    def scenario():
        t = imap.transcript(login=True)
        lines = t.ok("SELECT INBOX (CONDSTORE)")
        modseq = int(next(x for x in lines if b"HIGHESTMODSEQ" in x).split(b" ")[3].rstrip(b"]"))
        other = imap.transcript(login=True)
        other.ok("SELECT INBOX")
        other.ok("STORE 2 +FLAGS.SILENT (\\Answered)")
        lines = t.ok(f"FETCH 1:* (FLAGS) (CHANGEDSINCE {modseq})")
        assert [x for x in lines if b"FETCH (FLAGS (\\Answered" in x]
        assert all(x.startswith(b"* 2 FETCH") for x in lines)
        assert all(b"MODSEQ (" in x for x in lines)
        (line,) = t.ok(f"SEARCH MODSEQ {modseq + 1}")
        assert line.startswith(b"* SEARCH 2 (MODSEQ ")

    await asyncio.to_thread(scenario)


async def test_qresync_select_and_vanished_fetch(imap):
    await deliver_many(imap.store, imap.account, 4)
    box = await imap.store.mailboxes.get(imap.account.id, "INBOX")

    def scenario():
        t = imap.transcript(login=True)
        t.ok("ENABLE QRESYNC")
        lines = t.ok("SELECT INBOX")
        modseq = int(next(x for x in lines if b"HIGHESTMODSEQ" in x).split(b" ")[3].rstrip(b"]"))
        t.ok("UNSELECT")
        other = imap.transcript(login=True)
        other.ok("SELECT INBOX")
        other.ok("STORE 3 +FLAGS.SILENT (\\Seen)")
        other.ok("STORE 1:2 +FLAGS.SILENT (\\Deleted)")
        other.ok("EXPUNGE")
        lines = t.ok(f"SELECT INBOX (QRESYNC ({box.uidvalidity} {modseq} 1:4))")
        assert b"* VANISHED (EARLIER) 1:2" in lines
        assert any(
            x.startswith(b"* 1 FETCH (FLAGS (\\Seen") and b"UID 3" in x and b"MODSEQ" in x
            for x in lines
        )
        lines = t.ok(f"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {modseq} VANISHED)")
        assert lines[0] == b"* VANISHED (EARLIER) 1:2"
        # a stale UIDVALIDITY: no resync data
        lines = t.ok(f"SELECT INBOX (QRESYNC ({box.uidvalidity + 1} {modseq}))")
        assert not any(b"VANISHED" in x for x in lines)
        u = imap.transcript(login=True)
        assert u.command("SELECT INBOX (QRESYNC (1 1))")[-1].startswith(b"t2 BAD")  # not enabled

    await asyncio.to_thread(scenario)
