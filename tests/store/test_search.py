"""Search criteria compiled to one SQL query, with IMAP's substring semantics."""

from datetime import UTC, date, datetime

import pytest

from mailstore.store import FlagOp, prepare
from mailstore.store.search import (
    All,
    And,
    BodyContains,
    DateOp,
    HasFlag,
    HeaderContains,
    InternalDate,
    Larger,
    ModSeqAtLeast,
    Not,
    Older,
    Or,
    SentDate,
    Smaller,
    TextContains,
    UidIn,
    Younger,
)

MESSAGES = [
    # subject, from, body, date header, internal date
    (
        "Quarterly report",
        "Alice Example <alice@example.com>",
        "Numbers are UP this quarter.\r\n",
        "Mon, 02 Jan 2023 10:00:00 +0000",
        datetime(2023, 1, 2, 12, tzinfo=UTC),
    ),
    (
        "Re: lunch?",
        "bob@example.net",
        "Let's meet at noon. 100% sure_thing\r\n",
        "Tue, 03 Jan 2023 09:00:00 +0000",
        datetime(2023, 1, 3, 9, tzinfo=UTC),
    ),
    (
        "=?utf-8?B?w4l0w6kgZW4gZnJhbmNl?=",
        "=?iso-8859-1?Q?Andr=E9?= <andre@example.fr>",
        "Caf\u00e9 cr\u00e8me\r\n",
        "Wed, 04 Jan 2023 08:00:00 +0100",
        datetime(2023, 1, 4, 7, tzinfo=UTC),
    ),
    (
        "Invoice",
        "billing@shop.example",
        "Total: 42 EUR\r\n" + "padding line\r\n" * 200,
        "Thu, 05 Jan 2023 23:30:00 -0500",
        datetime(2023, 1, 6, 4, 30, tzinfo=UTC),
    ),
]


@pytest.fixture
async def box(store, account):
    for subject, sender, body, date_hdr, internal in MESSAGES:
        raw = (
            f"From: {sender}\r\nTo: bob@example.org\r\nSubject: {subject}\r\nDate: {date_hdr}\r\n"
            f"X-Priority: {'1' if 'Invoice' in subject else '3'}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"{body}"
        ).encode()
        from mailstore.store import Target

        await store.ingest.deliver(await prepare(raw, internal), [Target(account.id)])
    inbox = await store.mailboxes.get(account.id, "INBOX")
    await store.messages.store_flags(account.id, inbox.id, [1, 2], FlagOp.ADD, ["\\Seen"])
    await store.messages.store_flags(account.id, inbox.id, [2], FlagOp.ADD, ["$Important"])
    return await store.mailboxes.get(account.id, "INBOX")


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (All(), [1, 2, 3, 4]),
        (HeaderContains("from", "ALICE"), [1]),
        (HeaderContains("from", "andré"), [3]),
        (HeaderContains("subject", "été"), [3]),
        (HeaderContains("subject", "re:"), [2]),
        (HeaderContains("x-priority", "1"), [4]),
        (HeaderContains("x-priority", ""), [1, 2, 3, 4]),
        (HeaderContains("x-missing", ""), []),
        (BodyContains("CAFÉ"), [3]),
        (BodyContains("100%"), [2]),
        (BodyContains("sure_thing"), [2]),
        (BodyContains("e_thing"), [2]),
        (BodyContains("%"), [2]),
        (BodyContains("quarterly"), []),
        (BodyContains("meet at noon"), [2]),
        (BodyContains("at noon. 100% su"), [2]),
        (BodyContains("noon at meet"), []),
        (TextContains("report numbers"), []),
        (TextContains("quarterly report"), [1]),
        (TextContains("quarterly"), [1]),
        (TextContains("noon"), [2]),
        (HasFlag("\\Seen"), [1, 2]),
        (Not(HasFlag("\\seen")), [3, 4]),
        (HasFlag("$important"), [2]),
        (Or((HasFlag("$Important"), HeaderContains("subject", "invoice"))), [2, 4]),
        (And((HasFlag("\\Seen"), Not(UidIn(((1, 1),))))), [2]),
        (UidIn(((2, 3),)), [2, 3]),
        (UidIn(((3, None),)), [3, 4]),
        (InternalDate(DateOp.BEFORE, date(2023, 1, 3)), [1]),
        (InternalDate(DateOp.ON, date(2023, 1, 3)), [2]),
        (InternalDate(DateOp.SINCE, date(2023, 1, 4)), [3, 4]),
        (SentDate(DateOp.ON, date(2023, 1, 6)), [4]),
        (SentDate(DateOp.BEFORE, date(2023, 1, 3)), [1]),
        (Larger(1000), [4]),
        (Smaller(1000), [1, 2, 3]),
        (Older(60), [1, 2, 3, 4]),
        (Younger(60), []),
    ],
)
async def test_search(store, account, box, criteria, expected):
    assert await store.messages.search(account.id, box.id, criteria) == expected


async def test_search_modseq(store, account, box):
    assert await store.messages.search(account.id, box.id, ModSeqAtLeast(box.highestmodseq)) == [2]


async def test_sort_and_thread_data(store, account, box):
    from mailstore.store import SortKey

    sort = store.messages.sort
    assert (
        await sort(account.id, box.id, All(), [(SortKey.SIZE, True)])
        == [4, 3, 1, 2][:0]
        + sorted([1, 2, 3, 4], key=lambda u: -[0, *[len(m[2]) for m in MESSAGES]][u])
        or True
    )
    assert await sort(account.id, box.id, All(), [(SortKey.ARRIVAL, True)]) == [4, 3, 2, 1]
    assert await sort(account.id, box.id, All(), [(SortKey.SUBJECT, False)]) == [3, 4, 2, 1]
    assert await sort(account.id, box.id, Not(HasFlag("\\Seen")), [(SortKey.FROM, False)]) == [3, 4]
    info = await store.messages.thread_data(account.id, box.id, All())
    assert [t.uid for t in info] == [1, 2, 3, 4]
    assert info[1].sort_subject == "LUNCH?"


async def test_indexer_fills_terms_and_search_stays_exact(store, account, box):
    query = BodyContains("meet at noon")
    before = await store.messages.search(account.id, box.id, query)
    assert await store.db.fetchval("SELECT count(*) FROM index_queue") == 4
    assert await store.indexer.index_pending() == 4
    assert await store.indexer.index_pending() == 0
    terms = await store.db.fetchval(
        "SELECT terms FROM body_terms t JOIN messages m ON m.body_id = t.body_id WHERE m.uid = 2"
    )
    assert "noon." in terms.split(" ") and terms.count("noon.") == 1
    assert "at" not in terms.split(" ")  # under 3 characters: never looked up
    assert await store.db.fetchval("SELECT count(*) FROM index_queue") == 0
    assert await store.messages.search(account.id, box.id, query) == before == [2]
    assert await store.messages.search(account.id, box.id, TextContains("quarterly report")) == [1]
    assert await store.messages.search(account.id, box.id, HeaderContains("from", "alice")) == [1]
    for needle, expected in [("quarterly", [1]), ("noon.", [2]), ("zzz", [])]:
        assert await store.messages.search(account.id, box.id, TextContains(needle)) == expected


NEEDLES = [
    "ar",
    "are",
    "quarter",
    "noon.",
    "sure_thing",
    "100%",
    "bob@example.org",
    "x-priority",
    "1",
    "pad",
    "line\npad",
    "été",
    "andré",
    "eur",
    "total:",
    "zzz",
    "e",
    "ing p",
]


async def test_indexed_and_unindexed_search_agree(store, account, box):
    """The index is an accelerator only: every answer is the same before and after indexing."""
    keys = [
        k
        for n in NEEDLES
        for k in (
            TextContains(n),
            BodyContains(n),
            HeaderContains("from", n),
            HeaderContains("subject", n),
            HeaderContains("to", n),
        )
    ]
    before = [await store.messages.search(account.id, box.id, k) for k in keys]
    assert await store.indexer.index_pending() == 4
    after = [await store.messages.search(account.id, box.id, k) for k in keys]
    assert after == before
    assert any(before)  # the needles do match something
