"""SEARCH with every key (and CHARSET UTF-8), ESEARCH, SEARCHRES, SORT and THREAD."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from tests.imap.helpers import deliver, make_message, status_of

MESSAGES = [
    (
        make_message(
            "Quarterly report",
            "the numbers are inside\r\n",
            date="Mon, 02 Jan 2023 10:00:00 +0000",
            extra="Cc: Carol <carol@example.com>\r\nMessage-ID: <q1@example.com>\r\n",
        ),
        ["\\Seen", "\\Answered", "$Work"],
        datetime(2023, 1, 2, 12, tzinfo=UTC),
    ),
    (
        make_message(
            "Grüße aus Köln",
            "Schöne Grüße vom Rhein\r\n",
            sender="Dave <dave@example.net>",
            date="Fri, 10 Feb 2023 09:00:00 +0000",
            extra="Bcc: eve@example.org\r\nMessage-ID: <k1@example.net>\r\n",
        ),
        ["\\Flagged"],
        datetime(2023, 2, 10, 12, tzinfo=UTC),
    ),
    (
        make_message(
            "Re: Quarterly report",
            "thanks\r\n" + "padding line\r\n" * 400,
            date="Wed, 01 Mar 2023 08:00:00 +0000",
            extra="In-Reply-To: <q1@example.com>\r\nReferences: <q1@example.com>\r\nX-Priority: 1\r\n",
        ),
        ["\\Deleted", "\\Draft"],
        datetime(2023, 3, 1, 12, tzinfo=UTC),
    ),
]

# (criteria, sequence numbers found)
KEYS = [
    ("ALL", [1, 2, 3]),
    ("ANSWERED", [1]),
    ("UNANSWERED", [2, 3]),
    ("DELETED", [3]),
    ("UNDELETED", [1, 2]),
    ("DRAFT", [3]),
    ("UNDRAFT", [1, 2]),
    ("FLAGGED", [2]),
    ("UNFLAGGED", [1, 3]),
    ("SEEN", [1]),
    ("UNSEEN", [2, 3]),
    ("RECENT", [1, 2, 3]),
    ("NEW", [2, 3]),
    ("OLD", []),
    ("KEYWORD $work", [1]),
    ("UNKEYWORD $Work", [2, 3]),
    ("FROM alice", [1, 3]),
    ("FROM DAVE@EXAMPLE.NET", [2]),
    ("TO bob", [1, 2, 3]),
    ("CC carol", [1]),
    ("BCC eve", [2]),
    ('SUBJECT "quarterly REPORT"', [1, 3]),
    ("SUBJECT re:", [3]),
    ("HEADER X-Priority 1", [3]),
    ('HEADER Message-ID ""', [1, 2]),
    ("BODY numbers", [1]),
    ("BODY padding", [3]),
    ("TEXT quarterly", [1, 3]),
    ("TEXT numbers", [1]),
    ("BEFORE 10-Feb-2023", [1]),
    ("ON 10-Feb-2023", [2]),
    ("SINCE 10-Feb-2023", [2, 3]),
    ("SENTBEFORE 2-Jan-2023", []),
    ("SENTON 2-Jan-2023", [1]),
    ('SENTSINCE "1-Mar-2023"', [3]),
    ("LARGER 2000", [3]),
    ("SMALLER 2000", [1, 2]),
    ("UID 2:*", [2, 3]),
    ("UID 9:*", [3]),
    ("2,3", [2, 3]),
    ("*", [3]),
    ("NOT 1", [2, 3]),
    ("OR FLAGGED DELETED", [2, 3]),
    ("(SEEN ANSWERED) KEYWORD $Work", [1]),
    ("NOT (OR SEEN FLAGGED)", [3]),
    ("OLDER 1", [1, 2, 3]),
    ("YOUNGER 100000", []),
    ("SAVEDSINCE 1-Jan-2020", [1, 2, 3]),
    ("SAVEDBEFORE 1-Jan-2020", []),
    ("SAVEDATESUPPORTED", [1, 2, 3]),
    ("MODSEQ 1", [1, 2, 3]),
]


@pytest.fixture
async def mailbox(imap):
    for raw, flags, date in MESSAGES:
        await deliver(imap.store, imap.account, raw, flags=flags, internal_date=date)
    return imap


async def test_every_search_key(mailbox):
    def scenario():
        t = mailbox.transcript(login=True)
        t.ok("SELECT INBOX")
        for criteria, expected in KEYS:
            line = t.ok(f"SEARCH {criteria}")[-1]  # MODSEQ first says "* OK [HIGHESTMODSEQ n]"
            found = [int(n) for n in line.split(b"(")[0].split()[2:]]
            assert found == expected, criteria

    await asyncio.to_thread(scenario)


async def test_charset_utf8_and_literals(mailbox):
    def scenario():
        t = mailbox.transcript(login=True)
        t.ok("SELECT INBOX")
        subject = "grüße".encode()
        t.send(b"a SEARCH CHARSET UTF-8 SUBJECT {%d+}\r\n%s\r\n" % (len(subject), subject))
        assert t.until("a")[0] == b"* SEARCH 2"
        assert t.ok('SEARCH CHARSET utf-8 BODY "SCHÖNE"') == [b"* SEARCH 2"]
        assert t.ok("SEARCH CHARSET US-ASCII FROM dave") == [b"* SEARCH 2"]
        c = mailbox.imapclient()
        c.select_folder("INBOX")
        assert c.search(["TEXT", "Köln"], charset="UTF-8") == [2]
        assert c.search(["FROM", "alice", "NOT", "DELETED"]) == [1]

    await asyncio.to_thread(scenario)


async def test_uid_search_and_esearch(mailbox):
    def scenario():
        t = mailbox.transcript(login=True)
        t.ok("SELECT INBOX")
        assert t.ok("UID SEARCH UNSEEN") == [b"* SEARCH 2 3"]
        assert t.ok("SEARCH RETURN (MIN MAX COUNT) UNSEEN") == [
            b'* ESEARCH (TAG "t4") MIN 2 MAX 3 COUNT 2'
        ]
        assert t.ok("UID SEARCH RETURN () ALL") == [b'* ESEARCH (TAG "t5") UID ALL 1:3']
        assert t.ok("SEARCH RETURN (ALL COUNT) FROM nobody") == [b'* ESEARCH (TAG "t6") COUNT 0']
        assert t.ok("SEARCH RETURN (SAVE) FLAGGED") == []
        assert t.ok("SEARCH $") == [b"* SEARCH 2"]
        assert t.ok("SEARCH RETURN (SAVE MIN) UNSEEN") == [b'* ESEARCH (TAG "t9") MIN 2']
        assert t.ok("UID SEARCH UID $") == [b"* SEARCH 2"]
        assert t.ok("SEARCH OR $ 1") == [b"* SEARCH 1 2"]

    await asyncio.to_thread(scenario)


async def test_search_in_imap4rev2_answers_esearch(mailbox):
    def scenario():
        t = mailbox.transcript(login=True)
        t.ok("ENABLE IMAP4rev2")
        t.ok("SELECT INBOX")
        assert t.ok("SEARCH SEEN") == [b'* ESEARCH (TAG "t4") ALL 1']
        assert t.ok("SEARCH NEW") == [b'* ESEARCH (TAG "t5")']  # no \Recent in IMAP4rev2

    await asyncio.to_thread(scenario)


async def test_sort(mailbox):
    def scenario():
        t = mailbox.transcript(login=True)
        t.ok("SELECT INBOX")
        assert t.ok("SORT (SUBJECT) UTF-8 ALL") == [b"* SORT 2 1 3"]
        assert t.ok("SORT (REVERSE DATE) UTF-8 ALL") == [b"* SORT 3 2 1"]
        by_size = sorted((len(raw), n) for n, (raw, _, _) in enumerate(MESSAGES[:2], 1))
        assert t.ok("SORT (SIZE) UTF-8 UNDELETED") == [
            b"* SORT %d %d" % tuple(n for _, n in by_size)
        ]
        assert t.ok("SORT (FROM ARRIVAL) UTF-8 ALL") == [b"* SORT 1 3 2"]
        assert t.ok("UID SORT (DISPLAYFROM) UTF-8 ALL") == [b"* SORT 1 3 2"]
        assert status_of(t.command("SORT (BOGUS) UTF-8 ALL")) == b"BAD"

    await asyncio.to_thread(scenario)


async def test_thread(mailbox):
    def scenario():
        t = mailbox.transcript(login=True)
        t.ok("SELECT INBOX")
        assert t.ok("THREAD REFERENCES UTF-8 ALL") == [b"* THREAD (1 3)(2)"]
        assert t.ok("THREAD ORDEREDSUBJECT UTF-8 ALL") == [b"* THREAD (1 3)(2)"]
        assert t.ok("UID THREAD REFERENCES UTF-8 FLAGGED") == [b"* THREAD (2)"]
        assert t.ok("THREAD REFERENCES UTF-8 FROM nobody") == [b"* THREAD"]
        c = mailbox.imapclient()
        c.select_folder("INBOX")
        assert c.thread() == ((1, 3), (2,))

    await asyncio.to_thread(scenario)
