"""Views over mail stored through the engine's delivery path (``Ingest.deliver``).

Every number is known: sizes come from the message bytes, counts from what was delivered.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from mailstore.errors import OverQuota
from mailstore.store import Stored, Target, prepare
from mailstore.store.maillog import Reception
from tests.reports.helpers import log_day, plain, view, with_attachments

LMTP = Reception("lmtp", sender="alice@Sender.test", client_address="127.0.0.1", helo="relay")


async def fill(store, account):
    """bob@example.org, dave@example.org (quota 1000), carol@example.net; four messages."""
    await store.directory.add_domain("example.net")
    dave = await store.directory.add_account("dave@example.org", "pw", quota_bytes=1000)
    carol = await store.directory.add_account("carol@example.net", "pw")
    m1, m2, m3 = plain("m1"), with_attachments("m2"), plain("m3", sender="", body="x" * 2000)
    ingest = store.ingest
    # m1 to bob and carol, m2 to bob and dave: two rows, two recipients each
    r1 = await ingest.deliver(await prepare(m1), [Target(account.id), Target(carol.id)], LMTP)
    r2 = await ingest.deliver(await prepare(m2), [Target(account.id), Target(dave.id)], LMTP)
    # m3 (2,000+ octets) only to dave, over quota: nothing stored, nothing logged
    r3 = await ingest.deliver(await prepare(m3), [Target(dave.id)], Reception("deliver", sender=""))
    assert all(isinstance(r, Stored) for r in r1 + r2)
    assert isinstance(r3[0], OverQuota)
    return dave, carol, (len(m1), len(m2), len(m3))


async def test_log_rows_are_written_with_the_copies(store, account):
    _, _, (s1, s2, _) = await fill(store, account)
    rows = await store.db.fetch(
        "SELECT protocol, client_address, helo, sender, sender_domain, message_id, size, "
        "local_recipients, remote_recipients, recipients, recipient_domains, spf, dkim, dmarc, "
        "body_id = (SELECT body_id FROM messages m WHERE m.account_id = $1 "
        "           AND m.size = l.size) AS same_body "
        "FROM received_log l ORDER BY id",
        account.id,
    )
    assert [tuple(r.values()) for r in rows] == [
        ("lmtp", "127.0.0.1", "relay", "alice@Sender.test", "sender.test", "<m1@sender.test>",
         s1, 2, 0, ["bob@example.org", "carol@example.net"], ["example.net", "example.org"],
         None, None, None, True),
        ("lmtp", "127.0.0.1", "relay", "alice@Sender.test", "sender.test", "<m2@sender.test>",
         s2, 2, 0, ["bob@example.org", "dave@example.org"], ["example.org"],
         None, None, None, True),
    ]  # fmt: skip


async def test_group_commit_logs_one_row_per_delivery(store, account):
    """Deliveries sharing one transaction (group commit) still get one row each."""
    messages = [await prepare(plain(f"g{i}")) for i in range(6)]
    results = await asyncio.gather(
        *(
            store.ingest.deliver(m, [Target(account.id)], Reception("smtp", f"s{i}@x.test"))
            for i, m in enumerate(messages)
        )
    )
    assert all(isinstance(r[0], Stored) for r in results)
    rows = await store.db.fetch(
        "SELECT sender, message_id, local_recipients FROM received_log ORDER BY sender"
    )
    assert [tuple(r.values()) for r in rows] == [
        (f"s{i}@x.test", f"<g{i}@sender.test>", 1) for i in range(6)
    ]


async def test_no_reception_no_row(store, account):
    """IMAP APPEND and imports pass no reception: they are not mail traffic."""
    await store.ingest.append(account.id, "INBOX", await prepare(plain("a")))
    await store.ingest.deliver(await prepare(plain("b")), [Target(account.id)])
    assert await store.db.fetchval("SELECT count(*) FROM received_log") == 0


async def test_directory_views(store, account):
    _, _, (s1, s2, _) = await fill(store, account)
    await store.directory.add_alias("info@example.org", ["bob@example.org"])
    domains = await view(store, "domains", order="domain")
    assert [row[:6] for row in domains] == [
        ("example.net", 1, 0, 6, 1, s1),
        ("example.org", 2, 1, 12, 3, s1 + 2 * s2),
    ]
    quota = await view(store, "quota", order="account")
    assert [row[:7] for row in quota] == [
        ("bob@example.org", "example.org", None, s1 + s2, None, 6, 2),
        ("carol@example.net", "example.net", None, s1, None, 6, 1),
        ("dave@example.org", "example.org", 1000, s2, Decimal(f"{100 * s2 / 1000:.1f}"), 6, 1),
    ]
    inbox = await view(store, "mailboxes", "account = 'bob@example.org' AND mailbox = 'INBOX'")
    assert [row[:8] for row in inbox] == [
        ("bob@example.org", "example.org", "INBOX", None, 2, 2, 0, s1 + s2)
    ]
    junk = await view(store, "mailboxes", "mailbox = 'Junk'", "account")
    assert [row[:8] for row in junk] == [
        ("bob@example.org", "example.org", "Junk", "\\Junk", 0, 0, 0, 0),
        ("carol@example.net", "example.net", "Junk", "\\Junk", 0, 0, 0, 0),
        ("dave@example.org", "example.org", "Junk", "\\Junk", 0, 0, 0, 0),
    ]


async def test_traffic_senders_and_recipients(store, account):
    _, _, (s1, s2, _) = await fill(store, account)
    day = await log_day(store)
    assert await view(store, "traffic", order="domain, direction") == [
        (day, "example.net", "in", 1, 1, s1),
        (day, "example.org", "in", 2, 3, s1 + s2),
    ]
    assert await view(store, "top_senders") == [
        (day, "alice@Sender.test", "sender.test", 2, 4, s1 + s2)
    ]
    assert await view(store, "top_recipients", order="recipient") == [
        (day, "bob@example.org", "example.org", "in", 2, s1 + s2),
        (day, "carol@example.net", "example.net", "in", 1, s1),
        (day, "dave@example.org", "example.org", "in", 1, s2),
    ]


async def test_largest_messages_and_attachments(store, account):
    _, _, (s1, s2, _) = await fill(store, account)
    rows = await view(store, "largest_messages", order="size_bytes DESC, account, uid")
    assert [(r[0], r[2], r[3], r[4], r[5], r[6], r[9]) for r in rows] == [
        ("bob@example.org", "INBOX", 2, s2, "m2", "Alice <alice@sender.test>", "<m2@sender.test>"),
        ("dave@example.org", "INBOX", 1, s2, "m2", "Alice <alice@sender.test>", "<m2@sender.test>"),
        ("bob@example.org", "INBOX", 1, s1, "m1", "Alice <alice@sender.test>", "<m1@sender.test>"),
        ("carol@example.net", "INBOX", 1, s1, "m1", "Alice <alice@sender.test>", "<m1@sender.test>"),
    ]  # fmt: skip
    # the attachment rule of the parser: disposition "attachment" or a file name; type
    # lower-cased; one count per stored copy (bob's and dave's)
    assert await view(store, "attachment_types", order="content_type") == [
        ("example.org", "application/pdf", 2, 2, 240, 120),
        ("example.org", "image/png", 2, 2, 120, 60),
    ]


async def test_views_follow_expunge(store, account):
    """Directory views read the live tables: an expunge shows at once; the log keeps its rows."""
    _, _, (_, s2, _) = await fill(store, account)
    inbox = await store.mailboxes.get(account.id, "INBOX")
    await store.messages.remove(account.id, inbox.id, [1])
    quota = await view(store, "quota", "account = 'bob@example.org'")
    assert quota[0][3:7] == (s2, None, 6, 1)
    assert await store.db.fetchval("SELECT count(*) FROM received_log") == 2
