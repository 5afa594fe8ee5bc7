"""The outbound queue delivering to a loopback MX that accepts some recipients, defers one
(4xx, then accepts on the retry) and refuses one (5xx): ``delivery_log`` and its views."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from mailstore.store import prepare
from tests.outbound.helpers import Sink, message
from tests.reports.helpers import view


def ms(seconds: Decimal) -> Decimal:
    """PostgreSQL's round(x, 3): halves away from zero."""
    return seconds.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


async def test_attempts_are_logged_with_outcomes_and_delays(
    store, account, remotes, zone, runner, clock
):
    later = {"temp@remote.test"}
    replies = {"gone@remote.test": "550 5.1.1 no such user"}

    def rcpt(address: str) -> str | None:
        if address in later:
            return "450 4.2.1 try later"
        return replies.get(address)

    sink = await remotes.smtp("127.0.0.2", Sink(rcpt=rcpt))
    zone("remote.test", "127.0.0.2")
    raw = message(sender="Bob <bob@example.org>")
    recipients = ["ok1@remote.test", "ok2@remote.test", "temp@remote.test", "gone@remote.test"]
    qid = await store.queue.enqueue("bob@example.org", recipients, await prepare(raw))
    work = runner()
    await work.run_once()
    later.clear()
    clock.advance(3600)
    await work.run_once()
    assert sorted(r for m in sink.messages for r in m.rcpt_tos) == [
        "ok1@remote.test",
        "ok2@remote.test",
        "temp@remote.test",
    ]

    rows = await store.db.fetch(
        "SELECT queue_id, sender, sender_domain, recipient, domain, outcome, attempt, size, "
        "left(reply, 9) AS reply, remote_host LIKE 'mx0.remote.test[127.0.0.2]%' AS host, "
        "tls, delay = attempted_at - queued_at AS delay_ok, attempted_at, queued_at "
        "FROM delivery_log WHERE domain = 'remote.test' ORDER BY attempted_at, recipient"
    )
    size = len(raw)
    assert [tuple(r.values())[:12] for r in rows] == [
        (qid, "bob@example.org", "example.org", "gone@remote.test", "remote.test", "bounced", 1,
         size, "550 5.1.1", True, None, True),
        (qid, "bob@example.org", "example.org", "ok1@remote.test", "remote.test", "delivered", 1,
         size, "250 2.0.0", True, None, True),
        (qid, "bob@example.org", "example.org", "ok2@remote.test", "remote.test", "delivered", 1,
         size, "250 2.0.0", True, None, True),
        (qid, "bob@example.org", "example.org", "temp@remote.test", "remote.test", "deferred", 1,
         size, "450 4.2.1", True, None, True),
        (qid, "bob@example.org", "example.org", "temp@remote.test", "remote.test", "delivered", 2,
         size, "250 2.0.0", True, None, True),
    ]  # fmt: skip
    first, second = rows[0]["attempted_at"], rows[4]["attempted_at"]
    queued = rows[0]["queued_at"]
    assert second - first >= timedelta(seconds=3600)  # the test clock moved the retry on
    d1 = Decimal((first - queued) // timedelta(microseconds=1)) / 1_000_000
    d2 = Decimal((second - queued) // timedelta(microseconds=1)) / 1_000_000

    outcomes = await view(store, "delivery_outcomes", "domain = 'remote.test'", "outcome")
    day = outcomes[0][0]
    assert outcomes == [
        (day, "remote.test", "bounced", 1, Decimal("1.00"), 1, ms(d1), ms(d1),
         ms(d1)),
        (day, "remote.test", "deferred", 1, Decimal("1.00"), 1, ms(d1), ms(d1),
         ms(d1)),
        (day, "remote.test", "delivered", 3, Decimal("1.33"), 2, ms(2 * d1 + d2),
         ms((2 * d1 + d2) / 3), ms(d2)),
    ]  # fmt: skip
    # the 5xx made a DSN (sender <>) to bob, which the queue delivered locally: logged too
    dsn = await store.db.fetchrow(
        "SELECT sender, outcome, attempt, size FROM delivery_log WHERE domain = 'example.org'"
    )
    assert tuple(dsn.values())[:3] == ("", "delivered", 1)
    assert await view(store, "traffic", "direction = 'out'", "domain") == [
        (day, "", "out", 1, 1, dsn["size"]),
        (day, "example.org", "out", 1, 3, size),
    ]
    assert await view(store, "top_recipients", "direction = 'out'", "recipient") == [
        (day, "bob@example.org", "example.org", "out", 1, dsn["size"]),
        (day, "ok1@remote.test", "remote.test", "out", 1, size),
        (day, "ok2@remote.test", "remote.test", "out", 1, size),
        (day, "temp@remote.test", "remote.test", "out", 1, size),
    ]


async def test_no_log_row_without_a_written_queue_row(store, account):
    """An attempt whose lease was lost (another worker took over) writes neither."""
    from datetime import UTC, datetime

    from mailstore.store.queue import RecipientUpdate

    await store.queue.enqueue("bob@example.org", ["a@remote.test"], await prepare(message()))
    now = datetime.now(UTC)
    (claimed,) = await store.queue.claim("w1", now, 10, timedelta(minutes=5))
    update = RecipientUpdate("a@remote.test", "delivered", "250 ok")
    done = await store.queue.complete("w2", claimed.id, [update], now)  # not the lease holder
    assert done.written == frozenset()
    assert await store.db.fetchval("SELECT count(*) FROM delivery_log") == 0
    done = await store.queue.complete("w1", claimed.id, [update], now)
    assert done.written == frozenset({"a@remote.test"}) and done.finished
    assert await store.db.fetchval("SELECT count(*) FROM delivery_log") == 1
