"""The outbound queue and the mail log (received_log, delivery_log) the report views read."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Interval,
    PrimaryKeyConstraint,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from mailstore.schema.base import _now, metadata

queue_messages = Table(
    "queue_messages",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True, comment="Queue id."),
    Column(
        "account_id",
        BigInteger,
        ForeignKey("accounts.id", ondelete="SET NULL"),
        nullable=True,
        comment="Submitting account, if any.",
    ),
    Column(
        "sender",
        Text,
        nullable=False,
        comment="Envelope sender (MAIL FROM); empty for the null sender <>.",
    ),
    Column(
        "body_id",
        BigInteger,
        ForeignKey("bodies.id"),
        nullable=False,
        comment="The message to send.",
    ),
    Column(
        "params",
        JSONB,
        nullable=False,
        server_default="{}",
        comment="Envelope parameters (SMTPUTF8, BODY, RET, ENVID).",
    ),
    Column(
        "created_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=_now(),
        comment="When the message was queued.",
    ),
    Column(
        "expires_at",
        DateTime(timezone=True),
        nullable=False,
        comment="Give up and bounce after this time.",
    ),
    comment="Outbound queue: messages awaiting remote delivery.",
)

queue_recipients = Table(
    "queue_recipients",
    metadata,
    Column(
        "queue_id",
        BigInteger,
        ForeignKey("queue_messages.id", ondelete="CASCADE"),
        nullable=False,
        comment="Queue message.",
    ),
    Column("recipient", Text, nullable=False, comment="Envelope recipient (RCPT TO)."),
    Column(
        "domain",
        Text,
        nullable=False,
        comment="Lower-case recipient domain, for grouping by destination.",
    ),
    Column(
        "status",
        Text,
        nullable=False,
        server_default="queued",
        comment="queued | deferred | delivered | bounced.",
    ),
    Column(
        "attempts", Integer, nullable=False, server_default="0", comment="Delivery attempts so far."
    ),
    Column(
        "next_attempt_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=_now(),
        comment="When the next attempt is due.",
    ),
    Column(
        "last_attempt_at",
        DateTime(timezone=True),
        nullable=True,
        comment="When the last attempt ended.",
    ),
    Column("last_reply", Text, nullable=True, comment="Last SMTP reply or error."),
    Column("lease_owner", Text, nullable=True, comment="Worker holding the lease."),
    Column(
        "lease_until",
        DateTime(timezone=True),
        nullable=True,
        comment="Lease expiry; another worker may take over after it.",
    ),
    Column(
        "params",
        JSONB,
        nullable=False,
        server_default="{}",
        comment="Recipient parameters (NOTIFY, ORCPT).",
    ),
    Column(
        "remote_host",
        Text,
        nullable=True,
        comment="Host that gave the last reply (MX or relayhost, with its address).",
    ),
    Column(
        "tls",
        Text,
        nullable=True,
        comment="TLS version of the last attempt's connection; NULL: plaintext or none made.",
    ),
    Column(
        "delay_notified",
        Boolean,
        nullable=False,
        server_default="false",
        comment="A delayed-delivery DSN was sent to the sender.",
    ),
    PrimaryKeyConstraint("queue_id", "recipient", name="queue_recipients_pkey"),
    Index(
        "queue_recipients_due",
        "next_attempt_at",
        postgresql_where=text("status IN ('queued', 'deferred')"),
    ),
    comment="Outbound queue: one row per recipient with its delivery state.",
)

received_log = Table(
    "received_log",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True, comment="Log row id."),
    Column(
        "received_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=_now(),
        comment="When the delivery transaction ran (its COMMIT made the message accepted).",
    ),
    Column(
        "protocol",
        Text,
        nullable=False,
        comment="How it came in: smtp (the MX) | submission | lmtp | deliver (the CLI agent).",
    ),
    Column(
        "client_address",
        Text,
        nullable=True,
        comment="IP address of the SMTP/LMTP client; NULL for the deliver command.",
    ),
    Column("helo", Text, nullable=True, comment="HELO/EHLO name the client gave, if any."),
    Column(
        "sender",
        Text,
        nullable=False,
        comment="Envelope sender (MAIL FROM); empty for the null sender <>.",
    ),
    Column(
        "sender_domain",
        Text,
        nullable=False,
        comment="Lower-case domain of the envelope sender; empty for <>.",
    ),
    Column(
        "transaction_id",
        Text,
        nullable=True,
        comment="Our id of the SMTP transaction (as in our Received field and log lines).",
    ),
    Column(
        "message_id",
        Text,
        nullable=False,
        server_default="",
        comment="Message-ID header of the message; empty when it had none.",
    ),
    Column(
        "body_id",
        BigInteger,
        nullable=False,
        comment="bodies.id stored (no foreign key: the log outlives the body).",
    ),
    Column("size", BigInteger, nullable=False, comment="Size of the stored message in octets."),
    Column(
        "local_recipients",
        Integer,
        nullable=False,
        comment="Number of local accounts the message was stored for in this transaction.",
    ),
    Column(
        "remote_recipients",
        Integer,
        nullable=False,
        server_default="0",
        comment="Number of remote recipients handed to the outbound queue.",
    ),
    Column(
        "recipients",
        ARRAY(Text),
        nullable=False,
        server_default="{}",
        comment="Addresses of the local accounts it was stored for.",
    ),
    Column(
        "recipient_domains",
        ARRAY(Text),
        nullable=False,
        server_default="{}",
        comment="Distinct domains of those accounts.",
    ),
    Column(
        "spf",
        Text,
        nullable=True,
        comment="SPF result (RFC 7208 §2.6: pass, fail, softfail, ...); NULL: not checked.",
    ),
    Column("spf_domain", Text, nullable=True, comment="Domain SPF was checked for."),
    Column(
        "dkim",
        Text,
        nullable=True,
        comment="DKIM result: pass when a signature verified, else the first signature's "
        "result, none without signatures (RFC 8601 §2.7.1); NULL: not checked.",
    ),
    Column("dkim_domain", Text, nullable=True, comment="d= of the signature that gave dkim."),
    Column(
        "dmarc",
        Text,
        nullable=True,
        comment="DMARC result (RFC 7489 §11.2: pass, fail, none, ...); NULL: not checked.",
    ),
    Column("dmarc_domain", Text, nullable=True, comment="RFC5322.From domain DMARC evaluated."),
    Index("received_log_received_at", "received_at"),
    Index("received_log_sender_domain", "sender_domain", "received_at"),
    Index("received_log_recipient_domains", "recipient_domains", postgresql_using="gin"),
    comment="One row per accepted inbound transaction, written in the delivery transaction; "
    "pruned by `mailstore report prune`.",
)

delivery_log = Table(
    "delivery_log",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True, comment="Log row id."),
    Column(
        "attempted_at",
        DateTime(timezone=True),
        nullable=False,
        comment="When the attempt ended (the queue worker's clock).",
    ),
    Column(
        "queue_id",
        BigInteger,
        nullable=False,
        comment="queue_messages.id (no foreign key: the message leaves the queue).",
    ),
    Column(
        "sender",
        Text,
        nullable=False,
        comment="Envelope sender of the queued message; empty for <> (bounces).",
    ),
    Column("sender_domain", Text, nullable=False, comment="Lower-case domain of the sender."),
    Column("recipient", Text, nullable=False, comment="Envelope recipient."),
    Column("domain", Text, nullable=False, comment="Lower-case destination domain."),
    Column(
        "outcome",
        Text,
        nullable=False,
        comment="delivered | deferred (will retry) | bounced (given up, DSN sent).",
    ),
    Column("attempt", Integer, nullable=False, comment="Number of this attempt (1 = first)."),
    Column("queued_at", DateTime(timezone=True), nullable=False, comment="When it was queued."),
    Column(
        "delay",
        Interval,
        nullable=False,
        comment="attempted_at - queued_at: how long the recipient had waited.",
    ),
    Column("size", BigInteger, nullable=False, comment="Message size in octets."),
    Column("remote_host", Text, nullable=True, comment="Host that replied (MX or relayhost)."),
    Column("reply", Text, nullable=True, comment="The SMTP reply or the error."),
    Column("tls", Text, nullable=True, comment="TLS version of the connection; NULL: plaintext."),
    Index("delivery_log_attempted_at", "attempted_at"),
    Index("delivery_log_domain", "domain", "attempted_at"),
    Index("delivery_log_sender_domain", "sender_domain", "attempted_at"),
    comment="One row per outbound recipient attempt, written in the transaction that records "
    "it in the queue; pruned by `mailstore report prune`.",
)
