"""The outbound queue (DESIGN principle 8): enqueue here; delivery workers come with the MTA.

A queued message holds one reference on its body, so the raw bytes stay stored (and shared
with local copies of the same message) until the last recipient is done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from mailstore.addresses import split_address
from mailstore.errors import InvalidArgument
from mailstore.store.bodies import reference_body
from mailstore.store.db import Database
from mailstore.store.ingest import Incoming

#: How long a message may stay queued before it bounces (RFC 5321 §4.5.4.1: 4-5 days).
DEFAULT_LIFETIME = timedelta(days=5)


@dataclass(frozen=True, slots=True)
class QueuedRecipient:
    recipient: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_reply: str | None


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    id: int
    sender: str
    size: int
    created_at: datetime
    recipients: list[QueuedRecipient]


class Queue:
    def __init__(self, db: Database):
        self.db = db

    async def enqueue(
        self,
        sender: str,
        recipients: Sequence[str],
        message: Incoming,
        *,
        account_id: int | None = None,
        params: dict[str, object] | None = None,
        lifetime: timedelta = DEFAULT_LIFETIME,
    ) -> int:
        """Queue ``message`` for remote ``recipients``; returns the queue id after COMMIT."""
        if not recipients:
            raise InvalidArgument("no recipients to queue")
        rows = []
        for rcpt in dict.fromkeys(recipients):
            _, domain = split_address(rcpt)
            rows.append((rcpt, domain))

        async def work(conn: asyncpg.Connection) -> int:
            body_id = await reference_body(conn, message.raw, message.parsed, 1)
            queue_id = await conn.fetchval(
                "INSERT INTO queue_messages (account_id, sender, body_id, params, expires_at) "
                "VALUES ($1, $2, $3, $4, now() + $5::interval) RETURNING id",
                account_id,
                sender,
                body_id,
                params or {},
                lifetime,
            )
            await conn.executemany(
                "INSERT INTO queue_recipients (queue_id, recipient, domain) VALUES ($1, $2, $3)",
                [(queue_id, rcpt, domain) for rcpt, domain in rows],
            )
            await conn.execute("SELECT pg_notify('mailstore_queue', $1)", str(queue_id))
            return int(queue_id)

        return await self.db.run(work)

    async def list(self, limit: int = 1000) -> list[QueuedMessage]:
        rows = await self.db.fetch(
            "SELECT q.id, q.sender, b.size, q.created_at, r.recipient, r.status, r.attempts, "
            "r.next_attempt_at, r.last_reply FROM queue_messages q "
            "JOIN bodies b ON b.id = q.body_id JOIN queue_recipients r ON r.queue_id = q.id "
            "WHERE q.id IN (SELECT id FROM queue_messages ORDER BY id LIMIT $1) "
            "ORDER BY q.id, r.recipient",
            limit,
        )
        out: dict[int, QueuedMessage] = {}
        for r in rows:
            msg = out.get(r["id"])
            if msg is None:
                msg = out[r["id"]] = QueuedMessage(
                    r["id"], r["sender"], r["size"], r["created_at"], []
                )
            msg.recipients.append(
                QueuedRecipient(
                    r["recipient"],
                    r["status"],
                    r["attempts"],
                    r["next_attempt_at"],
                    r["last_reply"],
                )
            )
        return list(out.values())
