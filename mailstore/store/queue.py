"""The outbound queue (DESIGN principle 8): enqueue, and the claim/lease/complete cycle of the
delivery workers (``mailstore/outbound/worker.py``).

A queued message holds one reference on its body, so the raw bytes stay stored (and shared
with local copies of the same message) until the last recipient is done.

Claiming: a worker takes due recipient rows with ``FOR UPDATE SKIP LOCKED`` and stamps them
with its name and a lease (``lease_owner``, ``lease_until``) in the same statement; the row
locks last only for that statement's transaction, the lease for the delivery attempt. Rows
under a live lease are not claimable, so workers in any number of processes never deliver one
recipient at the same time; a live worker renews its leases (:meth:`Queue.renew`), a dead one's
expire and the rows become claimable again. Completing an attempt writes only the rows the
worker still leases (fencing), and in the same transaction queues the DSNs it causes and
deletes the message once no recipient is pending. Delivery is at-least-once: a worker that
dies after the remote ``250`` but before completing leaves the recipient to be sent again.

Lock order: the ``queue_messages`` row, then its ``queue_recipients`` rows, then bodies.
The workers pass their clock's time (``now``) to every call, so tests drive the schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from mailstore.addresses import split_address
from mailstore.errors import InvalidArgument, NotFound
from mailstore.store.bodies import reference_body
from mailstore.store.db import Database
from mailstore.store.ingest import Incoming
from mailstore.store.maillog import LOG_ATTEMPTS, Reception, log_queued

#: How long a message may stay queued before it bounces (RFC 5321 §4.5.4.1: 4-5 days).
DEFAULT_LIFETIME = timedelta(days=5)
#: Recipient states: waiting for an attempt, and final.
PENDING = ("queued", "deferred")
DELIVERED, DEFERRED, BOUNCED = "delivered", "deferred", "bounced"
#: NOTIFY channel: a message was queued or made due (workers LISTEN on it).
CHANNEL = "mailstore_queue"


@dataclass(frozen=True, slots=True)
class QueuedRecipient:
    recipient: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_reply: str | None
    last_attempt_at: datetime | None = None
    remote_host: str | None = None
    tls: str | None = None
    leased_by: str | None = None


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    id: int
    sender: str
    size: int
    created_at: datetime
    recipients: list[QueuedRecipient]
    expires_at: datetime | None = None
    account_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    body_id: int = 0


@dataclass(frozen=True, slots=True)
class ClaimedRecipient:
    recipient: str
    domain: str
    attempts: int
    params: dict[str, Any]
    delay_notified: bool


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """A queued message with the recipients one worker has just leased."""

    id: int
    account_id: int | None
    sender: str
    body_id: int
    size: int
    params: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    recipients: list[ClaimedRecipient]


@dataclass(frozen=True, slots=True)
class RecipientUpdate:
    """The result of one attempt for one recipient, as the worker decided it."""

    recipient: str
    status: str  # delivered | deferred | bounced
    reply: str
    next_attempt_at: datetime | None = None  # for deferred
    remote_host: str | None = None
    tls: str | None = None
    delay_notified: bool = False  # a delay DSN goes out with this update


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to queue in the completing transaction (a DSN)."""

    sender: str
    recipients: tuple[str, ...]
    message: Incoming
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Completion:
    #: Recipients this worker still leased, whose rows were written.
    written: frozenset[str]
    #: The message left the queue (no recipient pending, or it was deleted meanwhile).
    finished: bool
    #: Queue ids of the DSNs queued.
    reports: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class QueueStats:
    """The queue at a glance (:meth:`Queue.stats`)."""

    #: Recipient rows by status (queued, deferred; delivered/bounced until the message goes).
    recipients: dict[str, int]
    #: Messages in the queue.
    messages: int
    #: ``created_at`` of the oldest message with a queued or deferred recipient.
    oldest_pending: datetime | None


#: Builds the DSNs for the updates actually written (called inside the transaction).
ReportMaker = Callable[[Sequence[RecipientUpdate]], Sequence[NewMessage]]


async def _insert(
    conn: asyncpg.Connection,
    sender: str,
    recipients: Sequence[str],
    message: Incoming,
    *,
    account_id: int | None,
    params: Mapping[str, object] | None,
    recipient_params: Mapping[str, Mapping[str, object]] | None,
    lifetime: timedelta,
    now: datetime | None,
) -> int:
    if not recipients:
        raise InvalidArgument("no recipients to queue")
    rows = []
    for rcpt in dict.fromkeys(recipients):
        _, domain = split_address(rcpt)
        rows.append((rcpt, domain, dict((recipient_params or {}).get(rcpt, {}))))
    body_id = await reference_body(conn, message.raw, message.parsed, 1)
    queue_id = await conn.fetchval(
        "INSERT INTO queue_messages (account_id, sender, body_id, params, created_at, "
        "expires_at) VALUES ($1, $2, $3, $4, coalesce($6, now()), coalesce($6, now()) + "
        "$5::interval) RETURNING id",
        account_id,
        sender,
        body_id,
        dict(params or {}),
        lifetime,
        now,
    )
    await conn.executemany(
        "INSERT INTO queue_recipients (queue_id, recipient, domain, params, next_attempt_at) "
        "VALUES ($1, $2, $3, $4, coalesce($5, now()))",
        [(queue_id, rcpt, domain, p, now) for rcpt, domain, p in rows],
    )
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(queue_id))
    return int(queue_id)


@dataclass(frozen=True, slots=True)
class OutboundCopy:
    """The remote recipients of a message being delivered, queued in the same transaction as
    its local copies (:meth:`mailstore.store.Store.deliver_and_queue`)."""

    sender: str
    recipients: tuple[str, ...]
    account_id: int | None = None
    params: Mapping[str, object] = field(default_factory=dict)


class Queue:
    def __init__(self, db: Database, lifetime: timedelta = DEFAULT_LIFETIME):
        self.db = db
        #: Lifetime of messages queued without an explicit one (``[queue] lifetime``).
        self.lifetime = lifetime

    # -- enqueue -------------------------------------------------------------------------------
    async def enqueue(
        self,
        sender: str,
        recipients: Sequence[str],
        message: Incoming,
        *,
        account_id: int | None = None,
        params: dict[str, object] | None = None,
        recipient_params: Mapping[str, Mapping[str, object]] | None = None,
        lifetime: timedelta | None = None,
        reception: Reception | None = None,
    ) -> int:
        """Queue ``message`` for remote ``recipients``; returns the queue id after COMMIT.

        ``reception``: the inbound transaction this queueing accepts, logged in the same
        transaction (when none of its copies was stored locally, see :mod:`.maillog`).
        """
        if not recipients:
            raise InvalidArgument("no recipients to queue")

        async def work(conn: asyncpg.Connection) -> int:
            queue_id = await _insert(
                conn,
                sender,
                recipients,
                message,
                account_id=account_id,
                params=params,
                recipient_params=recipient_params,
                lifetime=lifetime or self.lifetime,
                now=None,
            )
            if reception is not None:
                await log_queued(conn, reception, queue_id, message.parsed.message_id)
            return queue_id

        return await self.db.run(work)

    async def enqueue_in(
        self, conn: asyncpg.Connection, copy: OutboundCopy, message: Incoming
    ) -> int:
        """Queue ``copy`` inside the caller's transaction (see :class:`OutboundCopy`)."""
        return await _insert(
            conn,
            copy.sender,
            copy.recipients,
            message,
            account_id=copy.account_id,
            params=copy.params,
            recipient_params=None,
            lifetime=self.lifetime,
            now=None,
        )

    # -- workers -------------------------------------------------------------------------------
    async def claim(
        self, owner: str, now: datetime, limit: int, lease: timedelta
    ) -> list[ClaimedMessage]:
        """Lease up to ``limit`` due recipient rows for ``owner``; grouped by message."""

        async def work(conn: asyncpg.Connection) -> list[ClaimedMessage]:
            rows = await conn.fetch(_CLAIM, now, owner, limit, lease)
            if not rows:
                return []
            messages = await conn.fetch(
                "SELECT q.id, q.account_id, q.sender, q.body_id, b.size, q.params, q.created_at, "
                "q.expires_at FROM queue_messages q JOIN bodies b ON b.id = q.body_id "
                "WHERE q.id = ANY($1::bigint[])",
                sorted({r["queue_id"] for r in rows}),
            )
            by_id = {m["id"]: m for m in messages}
            grouped: dict[int, list[ClaimedRecipient]] = {}
            for r in rows:
                grouped.setdefault(r["queue_id"], []).append(
                    ClaimedRecipient(
                        r["recipient"], r["domain"], r["attempts"], r["params"], r["delay_notified"]
                    )
                )
            return [
                ClaimedMessage(
                    m["id"],
                    m["account_id"],
                    m["sender"],
                    m["body_id"],
                    m["size"],
                    m["params"],
                    m["created_at"],
                    m["expires_at"],
                    sorted(grouped[qid], key=lambda c: c.recipient),
                )
                for qid in sorted(grouped)
                if (m := by_id.get(qid)) is not None
            ]

        return await self.db.run(work)

    async def renew(
        self, owner: str, rows: Sequence[tuple[int, str]], now: datetime, lease: timedelta
    ) -> int:
        """Extend ``owner``'s leases on ``rows`` (queue id, recipient); returns how many."""
        status = await self.db.execute(
            "UPDATE queue_recipients r SET lease_until = $2::timestamptz + $3::interval "
            "FROM unnest($4::bigint[], $5::text[]) AS k(queue_id, recipient) "
            "WHERE r.queue_id = k.queue_id AND r.recipient = k.recipient "
            "AND r.lease_owner = $1 AND r.status IN ('queued', 'deferred')",
            owner,
            now,
            lease,
            [queue_id for queue_id, _ in rows],
            [recipient for _, recipient in rows],
        )
        return int(status.split()[-1])

    async def release(self, owner: str) -> int:
        """Give back ``owner``'s leases (a worker stopping), so others may take them at once."""
        status = await self.db.execute(
            "UPDATE queue_recipients SET lease_owner = NULL, lease_until = NULL "
            "WHERE lease_owner = $1",
            owner,
        )
        return int(status.split()[-1])

    async def next_due(self) -> datetime | None:
        """When the earliest pending recipient becomes claimable (None: queue empty)."""
        return await self.db.fetchval(  # type: ignore[no-any-return]
            "SELECT min(greatest(next_attempt_at, coalesce(lease_until, next_attempt_at))) "
            "FROM queue_recipients WHERE status IN ('queued', 'deferred')"
        )

    async def stats(self) -> QueueStats:
        """Recipient rows by status, messages queued, and the oldest message still pending:
        one read-only statement (``/metrics`` calls it at every scrape)."""
        row = await self.db.fetchrow(_STATS)
        assert row is not None
        return QueueStats(dict(row["by_status"]), row["messages"], row["oldest"])

    async def body(self, body_id: int) -> bytes:
        raw = await self.db.fetchval("SELECT raw FROM bodies WHERE id = $1", body_id)
        if raw is None:
            raise NotFound(f"no body {body_id}")
        return bytes(raw)

    async def complete(
        self,
        owner: str,
        queue_id: int,
        updates: Sequence[RecipientUpdate],
        now: datetime,
        reports: ReportMaker | None = None,
    ) -> Completion:
        """Write one attempt's results in ONE transaction: the rows ``owner`` still leases,
        the DSNs ``reports`` makes for them, and the message's removal when nothing is pending.
        """

        async def work(conn: asyncpg.Connection) -> Completion:
            body_id = await conn.fetchval(
                "SELECT body_id FROM queue_messages WHERE id = $1 FOR UPDATE", queue_id
            )
            if body_id is None:
                return Completion(frozenset(), True)  # deleted meanwhile (`queue delete`)
            written = await self._write(conn, owner, queue_id, updates, now)
            done = [u for u in updates if u.recipient in written]
            report_ids = []
            for new in reports(done) if reports and done else ():
                report_ids.append(
                    await _insert(
                        conn,
                        new.sender,
                        new.recipients,
                        new.message,
                        account_id=None,
                        params=new.params,
                        recipient_params=None,
                        lifetime=self.lifetime,
                        now=now,
                    )
                )
            finished = await self._finish_if_done(conn, queue_id, body_id)
            return Completion(written, finished, tuple(report_ids))

        return await self.db.run(work)

    async def _write(
        self,
        conn: asyncpg.Connection,
        owner: str,
        queue_id: int,
        updates: Sequence[RecipientUpdate],
        now: datetime,
    ) -> frozenset[str]:
        # the UPDATE runs inside LOG_ATTEMPTS, which logs each written row in the same statement
        rows = await conn.fetch(
            _LOGGED_UPDATE,
            queue_id,
            owner,
            now,
            [u.recipient for u in updates],
            [u.status for u in updates],
            [u.reply for u in updates],
            [u.next_attempt_at for u in updates],
            [u.remote_host for u in updates],
            [u.tls for u in updates],
            [u.delay_notified for u in updates],
        )
        return frozenset(r["recipient"] for r in rows)

    async def _finish_if_done(self, conn: asyncpg.Connection, queue_id: int, body_id: int) -> bool:
        """Delete the message once no recipient is pending, and drop its body reference."""
        gone = await conn.fetchval(
            "DELETE FROM queue_messages q WHERE q.id = $1 AND NOT EXISTS (SELECT 1 FROM "
            "queue_recipients r WHERE r.queue_id = $1 AND r.status IN ('queued', 'deferred')) "
            "RETURNING q.id",
            queue_id,
        )
        if gone is None:
            return False
        await _drop_ref(conn, body_id)
        return True

    # -- administration (``mailstore queue ...``) ----------------------------------------------
    async def retry(self, queue_id: int | None, now: datetime) -> int:
        """Make pending recipients due now (one message, or all); returns how many."""

        async def work(conn: asyncpg.Connection) -> int:
            status = await conn.execute(
                "UPDATE queue_recipients SET next_attempt_at = $2 "
                "WHERE status IN ('queued', 'deferred') AND ($1::bigint IS NULL OR queue_id = $1)",
                queue_id,
                now,
            )
            count = int(status.split()[-1])
            if count:
                await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(queue_id or 0))
            return count

        count = await self.db.run(work)
        if queue_id is not None and count == 0 and await self.get(queue_id) is None:
            raise NotFound(f"no queued message {queue_id}")
        return count

    async def delete(self, queue_id: int) -> None:
        """Remove a message from the queue without a bounce."""

        async def work(conn: asyncpg.Connection) -> None:
            body_id = await conn.fetchval(
                "SELECT body_id FROM queue_messages WHERE id = $1 FOR UPDATE", queue_id
            )
            if body_id is None:
                raise NotFound(f"no queued message {queue_id}")
            await conn.execute("DELETE FROM queue_messages WHERE id = $1", queue_id)
            await _drop_ref(conn, body_id)

        await self.db.run(work)

    async def get(self, queue_id: int) -> QueuedMessage | None:
        found = await self._select("WHERE q.id = $1", queue_id)
        return found[0] if found else None

    async def _select(self, where: str, arg: int) -> list[QueuedMessage]:
        rows = await self.db.fetch(
            "SELECT q.id, q.sender, b.size, q.created_at, q.expires_at, q.account_id, q.params, "
            "q.body_id, r.recipient, r.status, r.attempts, r.next_attempt_at, r.last_reply, "
            "r.last_attempt_at, r.remote_host, r.tls, "
            "CASE WHEN r.lease_until > now() THEN r.lease_owner END AS leased_by "
            "FROM queue_messages q JOIN bodies b ON b.id = q.body_id "
            f"JOIN queue_recipients r ON r.queue_id = q.id {where} ORDER BY q.id, r.recipient",
            arg,
        )
        out: dict[int, QueuedMessage] = {}
        for r in rows:
            msg = out.get(r["id"])
            if msg is None:
                msg = out[r["id"]] = QueuedMessage(
                    r["id"],
                    r["sender"],
                    r["size"],
                    r["created_at"],
                    [],
                    r["expires_at"],
                    r["account_id"],
                    r["params"],
                    r["body_id"],
                )
            msg.recipients.append(
                QueuedRecipient(
                    r["recipient"],
                    r["status"],
                    r["attempts"],
                    r["next_attempt_at"],
                    r["last_reply"],
                    r["last_attempt_at"],
                    r["remote_host"],
                    r["tls"],
                    r["leased_by"],
                )
            )
        return list(out.values())

    async def list(self, limit: int = 1000) -> list[QueuedMessage]:
        return await self._select(
            "WHERE q.id IN (SELECT id FROM queue_messages ORDER BY id LIMIT $1)", limit
        )


async def _drop_ref(conn: asyncpg.Connection, body_id: int) -> None:
    """``bodies.drop_refs`` for one body in two statements (the UPDATE takes the row lock)."""
    left = await conn.fetchval(
        "UPDATE bodies SET refcount = refcount - 1 WHERE id = $1 RETURNING refcount", body_id
    )
    if left is not None and left <= 0:
        await conn.execute("DELETE FROM bodies WHERE id = $1", body_id)


#: Write one attempt's results to the rows ``$2`` still leases, logging each in delivery_log.
_LOGGED_UPDATE = LOG_ATTEMPTS.format(
    update="UPDATE queue_recipients r SET status = u.status, attempts = r.attempts + 1, "
    "last_attempt_at = $3, last_reply = u.reply, "
    "next_attempt_at = coalesce(u.next_at, r.next_attempt_at), "
    "remote_host = u.host, tls = u.tls, "
    "delay_notified = r.delay_notified OR u.notified, "
    "lease_owner = NULL, lease_until = NULL "
    "FROM unnest($4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], "
    "$9::text[], $10::bool[]) AS u(recipient, status, reply, next_at, host, tls, notified) "
    "WHERE r.queue_id = $1 AND r.recipient = u.recipient AND r.lease_owner = $2 "
    "RETURNING r.recipient, r.domain, r.status, r.attempts, r.remote_host, r.last_reply, r.tls"
)

#: Due, unleased (or lease expired) rows, oldest due first, locked without waiting for rows
#: another worker is claiming right now, and leased in the same statement.
_CLAIM = """
WITH due AS (
    SELECT queue_id, recipient FROM queue_recipients
    WHERE status IN ('queued', 'deferred') AND next_attempt_at <= $1
      AND (lease_until IS NULL OR lease_until <= $1)
    ORDER BY next_attempt_at, queue_id
    LIMIT $3
    FOR UPDATE SKIP LOCKED
)
UPDATE queue_recipients r SET lease_owner = $2, lease_until = $1 + $4::interval
FROM due WHERE r.queue_id = due.queue_id AND r.recipient = due.recipient
RETURNING r.queue_id, r.recipient, r.domain, r.attempts, r.params, r.delay_notified
"""

#: :meth:`Queue.stats`: three aggregates in one round trip.
_STATS = """
SELECT
    (SELECT count(*) FROM queue_messages) AS messages,
    (SELECT min(m.created_at) FROM queue_messages m
     WHERE EXISTS (SELECT 1 FROM queue_recipients r
                   WHERE r.queue_id = m.id AND r.status IN ('queued', 'deferred'))) AS oldest,
    coalesce((SELECT jsonb_object_agg(status, n)
              FROM (SELECT status, count(*) AS n FROM queue_recipients GROUP BY status) s),
             '{}'::jsonb) AS by_status
"""
