"""APPEND (literal, LITERAL+, literal8, MULTIAPPEND), APPENDUID, TRYCREATE, TOOBIG, OVERQUOTA."""

from __future__ import annotations

import asyncio
import imaplib

from tests.imap.helpers import make_message, status_of


async def test_append_with_imaplib_flags_and_date(imap):
    raw = make_message("appended")
    info = await imap.store.mailboxes.get(imap.account.id, "Drafts")

    def scenario():
        c = imap.login()
        date = imaplib.Time2Internaldate(1700000000)
        typ, data = c.append("Drafts", "(\\Draft $Label1)", date, raw)
        assert typ == "OK"
        assert data[0].startswith(b"[APPENDUID %d 1]" % info.uidvalidity)
        c.select("Drafts")
        typ, data = c.fetch("1", "(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
        assert b"\\Draft $Label1" in data[0][0]
        assert b'INTERNALDATE "14-Nov-2023 22:13:20 +0000"' in data[0][0]
        assert b"RFC822.SIZE %d" % len(raw) in data[0][0]
        assert data[0][1] == raw

    await asyncio.to_thread(scenario)


async def test_append_synchronizing_and_non_synchronizing_literals(imap):
    raw = make_message("literal")

    def scenario():
        t = imap.transcript(login=True)
        t.send(b"a APPEND INBOX (\\Seen) {%d}\r\n" % len(raw))
        assert t.line().startswith(b"+ ")
        t.send(raw + b"\r\n")
        assert t.line().startswith(b"a OK [APPENDUID ")
        t.send(b"b APPEND INBOX {%d+}\r\n%s\r\n" % (len(raw), raw))  # LITERAL+: no wait
        assert t.line().startswith(b"b OK [APPENDUID ")
        t.send(b"c APPEND INBOX ~{%d+}\r\n%s\r\n" % (len(raw), raw))  # literal8 (BINARY)
        assert t.line().startswith(b"c OK [APPENDUID ")
        t.ok("SELECT INBOX")
        assert t.ok("FETCH 1:* FLAGS")[0] == b"* 1 FETCH (FLAGS (\\Seen \\Recent))"

    await asyncio.to_thread(scenario)


async def test_multiappend_is_one_transaction(imap):
    one, two = make_message("one"), make_message("two")

    def scenario():
        t = imap.transcript(login=True)
        t.send(
            b"a APPEND INBOX {%d+}\r\n%s (\\Flagged) {%d+}\r\n%s\r\n"
            % (len(one), one, len(two), two)
        )
        assert t.line().startswith(b"a OK [APPENDUID ")
        t2 = imap.transcript(login=True)
        assert b"* 2 EXISTS" in t2.ok("SELECT INBOX")
        # a bad flag on the second message: nothing is stored
        t2.send(
            b"b APPEND INBOX {%d+}\r\n%s (\\Bogus) {%d+}\r\n%s\r\n" % (len(one), one, len(two), two)
        )
        assert t2.line().startswith(b"b BAD")
        assert t2.ok("STATUS INBOX (MESSAGES)") == [b"* STATUS INBOX (MESSAGES 2)"]

    await asyncio.to_thread(scenario)


async def test_append_errors(imap):
    await imap.store.directory.set_quota("bob@example.org", 100)

    def scenario():
        c = imap.login()
        typ, data = c.append("Nope", None, None, make_message())
        assert typ == "NO" and data[0].startswith(b"[TRYCREATE]")
        typ, data = c.append("INBOX", None, None, make_message(body="x" * 500))
        assert typ == "NO" and data[0].startswith(b"[OVERQUOTA]")
        t = imap.transcript(login=True)
        assert status_of(t.command(b"APPEND INBOX {0+}\r\n")) == b"NO"

    await asyncio.to_thread(scenario)


async def test_append_to_selected_mailbox_reports_exists(imap):
    raw = make_message()

    def scenario():
        t = imap.transcript(login=True)
        t.ok("SELECT INBOX")
        t.send(b"a APPEND INBOX {%d+}\r\n%s\r\n" % (len(raw), raw))
        lines = t.until("a")
        assert lines[0] == b"* 1 EXISTS"
        assert lines[-1].startswith(b"a OK [APPENDUID")

    await asyncio.to_thread(scenario)
