"""The mail log: durable facts for reporting, written inside the transactions they describe.

The outbound queue deletes a message once no recipient is pending, and SPF/DKIM/DMARC results
otherwise live only in the ``Authentication-Results`` field of each copy, so reports need rows
of their own (``received_log``, ``delivery_log`` in :mod:`mailstore.schema`). Each row is
written by the transaction that does what it records: :meth:`Ingest.deliver` logs the
:class:`Reception` it is given with the copies it stored (one ``executemany`` per transaction),
and :meth:`Queue.complete` logs each recipient attempt in the very ``UPDATE`` that records it
(:data:`LOG_ATTEMPTS`, a data-modifying CTE: no extra round trip). So an acknowledged delivery
always has its row, and a rolled-back one never does.

Front ends describe a transaction with :class:`Reception` (and :class:`AuthSummary` for the
MX's checks); they never see the SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from mailstore.mailauth.results import AuthResults

#: ``received_log.protocol`` values.
PROTOCOLS = ("smtp", "submission", "lmtp", "deliver")


@dataclass(frozen=True, slots=True)
class AuthSummary:
    """SPF, DKIM and DMARC of one message, one (result, domain) pair each (RFC 8601 names)."""

    spf: str | None = None
    spf_domain: str | None = None
    dkim: str | None = None
    dkim_domain: str | None = None
    dmarc: str | None = None
    dmarc_domain: str | None = None

    @classmethod
    def of(cls, results: AuthResults) -> AuthSummary:
        """Summarise what :func:`mailstore.mailauth.check.check_message` found.

        DKIM may have several signatures (RFC 6376 §6.1): any ``pass`` makes the message's
        DKIM result ``pass`` (with that signature's ``d=``), else the first signature's result
        stands; without signatures it is ``none`` (RFC 8601 §2.7.1).
        """
        spf = results.spf
        dkim = next((r for r in results.dkim if r.result == "pass"), None)
        if dkim is None and results.dkim:
            dkim = results.dkim[0]
        dmarc = results.dmarc
        return cls(
            spf=spf.result if spf else None,
            spf_domain=(spf.domain or None) if spf else None,
            dkim=dkim.result if dkim else "none",
            dkim_domain=(dkim.domain or None) if dkim else None,
            dmarc=dmarc.result if dmarc else None,
            dmarc_domain=(dmarc.domain or None) if dmarc else None,
        )


@dataclass(frozen=True, slots=True)
class Reception:
    """What a front end knows about one accepted inbound transaction, for ``received_log``.

    The engine adds what only it knows: the local accounts actually stored for, the body id,
    the size and the Message-ID.
    """

    protocol: str  # one of PROTOCOLS
    sender: str = ""  # envelope sender; "" for <>
    client_address: str | None = None
    helo: str | None = None
    transaction_id: str | None = None
    remote_recipients: int = 0
    auth: AuthSummary | None = None

    @property
    def sender_domain(self) -> str:
        return self.sender.rpartition("@")[2].lower() if "@" in self.sender else ""


#: One ``received_log`` row; the account ids become addresses and domains in the same
#: statement (they are what a report groups by, and they outlive the accounts).
_INSERT_RECEPTION = """
INSERT INTO received_log (protocol, client_address, helo, sender, sender_domain,
    transaction_id, message_id, body_id, size, local_recipients, remote_recipients,
    recipients, recipient_domains, spf, spf_domain, dkim, dkim_domain, dmarc, dmarc_domain)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, cardinality($10::bigint[]), $11,
    coalesce((SELECT array_agg(a.address ORDER BY a.address) FROM accounts a
              WHERE a.id = ANY($10::bigint[])), '{}'),
    coalesce((SELECT array_agg(DISTINCT d.name ORDER BY d.name) FROM accounts a
              JOIN domains d ON d.id = a.domain_id WHERE a.id = ANY($10::bigint[])), '{}'),
    $12, $13, $14, $15, $16, $17
"""


@dataclass(frozen=True, slots=True)
class LoggedReception:
    """A :class:`Reception` with the engine's side: the accounts stored for and the body."""

    reception: Reception
    account_ids: Sequence[int]
    body_id: int
    size: int
    message_id: str


async def log_receptions(conn: asyncpg.Connection, rows: Sequence[LoggedReception]) -> None:
    """Write ``received_log`` rows in the caller's transaction (one ``executemany``)."""
    if not rows:
        return
    args = []
    for row in rows:
        r = row.reception
        auth = r.auth or AuthSummary()
        args.append(
            (
                r.protocol,
                r.client_address or None,
                r.helo or None,
                r.sender,
                r.sender_domain,
                r.transaction_id,
                row.message_id,
                row.body_id,
                row.size,
                sorted(set(row.account_ids)),
                r.remote_recipients,
                auth.spf,
                auth.spf_domain,
                auth.dkim,
                auth.dkim_domain,
                auth.dmarc,
                auth.dmarc_domain,
            )
        )
    await conn.executemany(_INSERT_RECEPTION, args)


#: The row of a transaction whose recipients were all remote: body and size from the queue row.
_INSERT_QUEUED = """
INSERT INTO received_log (protocol, client_address, helo, sender, sender_domain,
    transaction_id, message_id, body_id, size, local_recipients, remote_recipients,
    spf, spf_domain, dkim, dkim_domain, dmarc, dmarc_domain)
SELECT $1, $2, $3, $4, $5, $6, $7, q.body_id, b.size, 0, $8, $9, $10, $11, $12, $13, $14
FROM queue_messages q JOIN bodies b ON b.id = q.body_id WHERE q.id = $15
"""


async def log_queued(
    conn: asyncpg.Connection, reception: Reception, queue_id: int, message_id: str
) -> None:
    """Log a transaction that stored nothing locally, in the transaction that queued it."""
    r = reception
    auth = r.auth or AuthSummary()
    await conn.execute(
        _INSERT_QUEUED,
        r.protocol,
        r.client_address or None,
        r.helo or None,
        r.sender,
        r.sender_domain,
        r.transaction_id,
        message_id,
        r.remote_recipients,
        auth.spf,
        auth.spf_domain,
        auth.dkim,
        auth.dkim_domain,
        auth.dmarc,
        auth.dmarc_domain,
        queue_id,
    )


#: Wraps the queue's recipient UPDATE (which must ``RETURNING r.*``-style name the columns
#: below) so the same statement logs each written row: ``{update}`` is that UPDATE; ``$1`` the
#: queue id, ``$3`` the attempt time. Returns the recipients written, like the UPDATE did.
LOG_ATTEMPTS = """
WITH written AS ({update}),
logged AS (
    INSERT INTO delivery_log (attempted_at, queue_id, sender, sender_domain, recipient, domain,
        outcome, attempt, queued_at, delay, size, remote_host, reply, tls)
    SELECT $3, q.id, q.sender, lower(coalesce(substring(q.sender FROM '@([^@]*)$'), '')),
        w.recipient, w.domain, w.status, w.attempts, q.created_at, $3 - q.created_at, b.size,
        w.remote_host, w.last_reply, w.tls
    FROM written w JOIN queue_messages q ON q.id = $1 JOIN bodies b ON b.id = q.body_id
)
SELECT recipient FROM written
"""
