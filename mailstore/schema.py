"""The schema, declared once (SQLAlchemy Core); alembic migrations are generated from it.

Tables and why they look the way they do:

* ``domains``, ``accounts``, ``aliases``: the hosting directory. ``accounts.used_bytes`` is kept
  in the same transaction as every message insert/expunge, so a quota check is a row read.
* ``mailboxes``: one row per mailbox holding the IMAP counters (messages, unseen, size, uidnext,
  uidvalidity, highestmodseq) so SELECT and STATUS are O(1) (DESIGN principle 4). The row is also
  the per-mailbox write lock: every change locks it (``UPDATE ... RETURNING``) before it assigns
  uids or modseqs, which keeps counters, uids and modseqs exact under concurrent writers.
* ``bodies``: content-addressed raw messages (unique sha256), stored once however many mailboxes
  hold them, with everything parsed at ingest (envelope, bodystructure, MIME part offsets, search
  and sort fields). ``refcount`` counts the ``messages`` and ``queue`` rows that point at a body;
  a body whose count reaches 0 is deleted in the same transaction.
* ``messages``: one row per message per mailbox: uid, flags, keywords, modseq, dates, size.
* ``expunged``: (uid, modseq) of every expunged message, for QRESYNC VANISHED (RFC 7162 §3.2.10).
* ``subscriptions``: LSUB state, independent of existence (RFC 3501 §6.3.6).
* ``queue_messages`` / ``queue_recipients``: the outbound queue (DESIGN principle 8).
* ``received_log`` / ``delivery_log``: durable reporting facts. The queue forgets a message once
  it is delivered and SPF/DKIM/DMARC results otherwise live only in a header, so each accepted
  inbound transaction and each outbound attempt leaves one row, written in the same transaction
  as the delivery or the queue change (never one without the other). The ``report`` schema of
  views (``mailstore/reports/``) reads them; nothing in the engine does.

Every per-user row carries ``account_id`` first in its primary key (DESIGN principle 10).

Index choices, for the queries IMAP makes:

* ``messages`` primary key (account_id, mailbox_id, uid): uid ranges, the session's uid list
  at SELECT, FETCH by uid set. ``messages_modseq`` (account_id, mailbox_id, modseq): CONDSTORE
  CHANGEDSINCE and QRESYNC. ``messages_internal_date``: SEARCH SINCE/BEFORE/ON and SORT ARRIVAL.
  ``messages_unseen`` is partial (only rows without \\Seen): SEARCH UNSEEN and the first-unseen
  at SELECT touch only unseen rows.
* ``body_terms``: for each body, its distinct tokens (split at ASCII white space, 3 characters
  or more) of the lower-cased header and body text, with a trigram GIN index (pg_trgm). pg_trgm
  takes its trigrams word by word, so the distinct tokens have exactly the trigrams of the whole
  text at a fraction of the indexing cost. A substring SEARCH BODY/TEXT takes as candidates the
  bodies whose terms contain every white-space separated piece of the needle (each piece of a
  substring lies inside one token), then checks ``body_text LIKE '%needle%'`` exactly: IMAP's
  case-insensitive substring semantics, not word stemming. Trigram indexing costs ~2 ms per
  corpus message (about 2,000 GIN entries), more than the rest of a delivery, so it is not done
  in the delivery transaction: a new body is put in ``index_queue`` and the background indexer
  (``mailstore/store/indexer.py``) moves it to ``body_terms`` in batches; queued bodies stay
  candidates, so results are exact before and after indexing. A side table (rather than a
  column of ``bodies``) keeps the indexer insert-only: no second version of every body row.
  Header fields (from/to/cc/subject) are short and searched by scanning the mailbox's rows.
* ``bodies.raw`` is stored uncompressed (``STORAGE EXTERNAL``, set in the migration): mail is
  mostly base64 and already-compressed attachments; pglz saved 3.5 % of the corpus's bytes and
  doubled the insert cost.
* ``expunged_modseq``: VANISHED (EARLIER) ranges since a modseq.
* ``queue_recipients_due``: workers claim due rows with FOR UPDATE SKIP LOCKED.
* ``received_log`` / ``delivery_log``: by time (a report's period, pruning) and by domain then
  time (``--domain``); ``recipient_domains`` is an array, so GIN.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Sequence,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData(
    naming_convention={
        "ix": "%(table_name)s_%(column_0_name)s_idx",
        "uq": "%(table_name)s_%(column_0_name)s_key",
        "ck": "%(table_name)s_%(constraint_name)s_check",
        "fk": "%(table_name)s_%(column_0_name)s_fkey",
        "pk": "%(table_name)s_pkey",
    }
)

#: Global sequence for mailbox ids (mailbox rows are keyed (account_id, id)).
mailbox_id_seq = Sequence("mailbox_id_seq", metadata=metadata, start=1)
#: UIDVALIDITY values: strictly increasing across the database, so a mailbox re-created under an
#: old name never reuses a UIDVALIDITY (RFC 9051 §2.3.1.1). Kept below 2^32.
uidvalidity_seq = Sequence("uidvalidity_seq", metadata=metadata, start=1, maxvalue=4294967295)


def _now() -> Any:
    return func.now()


domains = Table(
    "domains",
    metadata,
    Column("id", Integer, Identity(), primary_key=True, comment="Domain id."),
    Column(
        "name", Text, nullable=False, unique=True, comment="Lower-case domain name (IDNA A-label)."
    ),
    Column(
        "created_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=_now(),
        comment="When the domain was added.",
    ),
    comment="Local mail domains: mail to these is delivered into accounts.",
)

accounts = Table(
    "accounts",
    metadata,
    Column(
        "id",
        BigInteger,
        Identity(),
        primary_key=True,
        comment="Account id; first column of every per-user primary key.",
    ),
    Column(
        "domain_id",
        Integer,
        ForeignKey("domains.id", ondelete="RESTRICT"),
        nullable=False,
        comment="The account's domain.",
    ),
    Column(
        "address",
        Text,
        nullable=False,
        unique=True,
        comment="Lower-case login and address, local@domain.",
    ),
    Column(
        "password_hash",
        Text,
        nullable=True,
        comment="argon2id hash (PHC string); NULL: login disabled.",
    ),
    Column(
        "quota_bytes", BigInteger, nullable=True, comment="Storage quota in bytes; NULL: unlimited."
    ),
    Column(
        "used_bytes",
        BigInteger,
        nullable=False,
        server_default="0",
        comment="Sum of messages.size over the account, kept in each write transaction.",
    ),
    Column(
        "created_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=_now(),
        comment="When the account was created.",
    ),
    comment="Mail accounts (users).",
)

aliases = Table(
    "aliases",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True, comment="Alias row id."),
    Column(
        "domain_id",
        Integer,
        ForeignKey("domains.id", ondelete="CASCADE"),
        nullable=False,
        comment="Domain of the alias source.",
    ),
    Column(
        "source",
        Text,
        nullable=False,
        comment="Lower-case local@domain, or @domain for a catch-all.",
    ),
    Column(
        "target",
        Text,
        nullable=False,
        comment="Destination address: a local account, another alias, or an external address.",
    ),
    Column(
        "created_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=_now(),
        comment="When the alias was added.",
    ),
    UniqueConstraint("source", "target", name="aliases_source_target_key"),
    comment="Address aliases: one row per (source, target); several rows make a list.",
)

mailboxes = Table(
    "mailboxes",
    metadata,
    Column(
        "account_id",
        BigInteger,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
        comment="Owner.",
    ),
    Column(
        "id",
        BigInteger,
        mailbox_id_seq,
        nullable=False,
        server_default=mailbox_id_seq.next_value(),
        comment="Mailbox id (global sequence).",
    ),
    Column(
        "name",
        Text,
        nullable=False,
        comment="Full UTF-8 name with / as hierarchy separator; INBOX is upper case.",
    ),
    Column(
        "special_use",
        Text,
        nullable=True,
        comment="RFC 6154 attribute (\\Sent, \\Drafts, \\Trash, \\Junk, \\Archive, \\All, \\Flagged) or NULL.",
    ),
    Column(
        "uidvalidity",
        BigInteger,
        nullable=False,
        server_default=uidvalidity_seq.next_value(),
        comment="IMAP UIDVALIDITY.",
    ),
    Column(
        "uidnext", BigInteger, nullable=False, server_default="1", comment="Next UID to assign."
    ),
    Column(
        "highestmodseq",
        BigInteger,
        nullable=False,
        server_default="1",
        comment="Highest MODSEQ assigned in this mailbox (RFC 7162).",
    ),
    Column(
        "first_recent_uid",
        BigInteger,
        nullable=False,
        server_default="1",
        comment="UIDs at or above this have not yet been shown as \\Recent to any session.",
    ),
    Column("messages", Integer, nullable=False, server_default="0", comment="Number of messages."),
    Column(
        "unseen",
        Integer,
        nullable=False,
        server_default="0",
        comment="Number of messages without \\Seen.",
    ),
    Column(
        "deleted",
        Integer,
        nullable=False,
        server_default="0",
        comment="Number of messages with \\Deleted.",
    ),
    Column(
        "size",
        BigInteger,
        nullable=False,
        server_default="0",
        comment="Sum of message sizes in bytes.",
    ),
    Column(
        "created_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=_now(),
        comment="When the mailbox was created.",
    ),
    PrimaryKeyConstraint("account_id", "id", name="mailboxes_pkey"),
    UniqueConstraint("account_id", "name", name="mailboxes_account_id_name_key"),
    comment="Mailboxes (IMAP folders) with counters kept in every write transaction.",
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column(
        "account_id",
        BigInteger,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
        comment="Owner.",
    ),
    Column(
        "name",
        Text,
        nullable=False,
        comment="Subscribed mailbox name (may not exist, RFC 3501 §6.3.6).",
    ),
    PrimaryKeyConstraint("account_id", "name", name="subscriptions_pkey"),
    comment="IMAP subscriptions.",
)

bodies = Table(
    "bodies",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True, comment="Body id."),
    Column(
        "sha256",
        LargeBinary,
        nullable=False,
        unique=True,
        comment="SHA-256 of the raw message: the content address.",
    ),
    Column(
        "refcount",
        Integer,
        nullable=False,
        server_default="0",
        comment="Number of messages and queue rows using this body.",
    ),
    Column("size", BigInteger, nullable=False, comment="Raw size in octets (RFC822.SIZE)."),
    Column("raw", LargeBinary, nullable=False, comment="The message exactly as received."),
    Column(
        "wire_size",
        BigInteger,
        nullable=False,
        comment="Octets with CRLF line ends and a final CRLF: what POP3 RETR sends and "
        "STAT/LIST count (RFC 1939 §5).",
    ),
    Column(
        "header_size",
        Integer,
        nullable=False,
        comment="Octets of the top-level header incl. the blank line.",
    ),
    Column("lines", Integer, nullable=False, comment="Line count of the whole message."),
    Column(
        "parts",
        JSONB,
        nullable=False,
        comment="MIME section path -> [header_start, body_start, body_end] byte offsets.",
    ),
    Column("envelope", JSONB, nullable=False, comment="IMAP ENVELOPE as nested JSON lists."),
    Column("bodystructure", JSONB, nullable=False, comment="IMAP BODYSTRUCTURE as a JSON tree."),
    Column(
        "envelope_wire",
        LargeBinary,
        nullable=False,
        comment="ENVELOPE as IMAP sends it (RFC 9051 §7.5.2), encoded once at ingest.",
    ),
    Column(
        "structure_wire",
        LargeBinary,
        nullable=False,
        comment="BODYSTRUCTURE (with extension data) as IMAP sends it.",
    ),
    Column(
        "body_wire",
        LargeBinary,
        nullable=False,
        comment="BODY (BODYSTRUCTURE without extension data) as IMAP sends it.",
    ),
    Column("subject", Text, nullable=False, server_default="", comment="Decoded Subject."),
    Column("from_addr", Text, nullable=False, server_default="", comment="Decoded From header."),
    Column("to_addr", Text, nullable=False, server_default="", comment="Decoded To header."),
    Column("cc_addr", Text, nullable=False, server_default="", comment="Decoded Cc header."),
    Column("bcc_addr", Text, nullable=False, server_default="", comment="Decoded Bcc header."),
    Column("message_id", Text, nullable=False, server_default="", comment="Message-ID header."),
    Column("in_reply_to", Text, nullable=False, server_default="", comment="In-Reply-To header."),
    Column(
        "references",
        ARRAY(Text),
        nullable=False,
        server_default="{}",
        comment="Message-IDs from References, in order.",
    ),
    Column(
        "sent_date",
        DateTime(timezone=True),
        nullable=True,
        comment="Parsed Date header; NULL when missing or invalid.",
    ),
    Column(
        "sort_subject",
        Text,
        nullable=False,
        server_default="",
        comment="RFC 5256 base subject, case-folded.",
    ),
    Column("sort_from", Text, nullable=False, server_default="", comment="RFC 5256 SORT FROM key."),
    Column("sort_to", Text, nullable=False, server_default="", comment="RFC 5256 SORT TO key."),
    Column("sort_cc", Text, nullable=False, server_default="", comment="RFC 5256 SORT CC key."),
    Column(
        "sort_display_from",
        Text,
        nullable=False,
        server_default="",
        comment="RFC 5957 DISPLAYFROM key.",
    ),
    Column(
        "sort_display_to",
        Text,
        nullable=False,
        server_default="",
        comment="RFC 5957 DISPLAYTO key.",
    ),
    Column(
        "headers",
        JSONB,
        nullable=False,
        comment="All top-level header fields as [lower-case name, decoded value] pairs.",
    ),
    Column(
        "header_text",
        Text,
        nullable=False,
        server_default="",
        comment="Lower-cased decoded header block, for SEARCH TEXT/HEADER.",
    ),
    Column(
        "body_text",
        Text,
        nullable=False,
        server_default="",
        comment="Lower-cased decoded text of the text parts, for SEARCH BODY/TEXT.",
    ),
    Column(
        "attachments",
        JSONB,
        nullable=False,
        server_default="[]",
        comment="[content type, file name, size] of each attachment.",
    ),
    Column(
        "created_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=_now(),
        comment="When the body was first stored.",
    ),
    comment="Content-addressed raw messages, parsed once at ingest; shared by every copy.",
)

body_terms = Table(
    "body_terms",
    metadata,
    Column(
        "body_id",
        BigInteger,
        ForeignKey("bodies.id", ondelete="CASCADE"),
        primary_key=True,
        comment="The body.",
    ),
    Column(
        "terms",
        Text,
        nullable=False,
        comment="Distinct white-space separated tokens (3+ characters) of the body's lower-cased "
        "header_text and body_text: the trigram-indexed candidate filter for substring SEARCH.",
    ),
    Index(
        "body_terms_trgm",
        "terms",
        postgresql_using="gin",
        postgresql_ops={"terms": "gin_trgm_ops"},
    ),
    comment="Search index of bodies (see the module docstring); filled by the indexer.",
)

index_queue = Table(
    "index_queue",
    metadata,
    Column(
        "body_id",
        BigInteger,
        ForeignKey("bodies.id", ondelete="CASCADE"),
        primary_key=True,
        comment="A body not yet in body_terms.",
    ),
    comment="Bodies waiting for the background search indexer.",
)

messages = Table(
    "messages",
    metadata,
    Column("account_id", BigInteger, nullable=False, comment="Owner."),
    Column("mailbox_id", BigInteger, nullable=False, comment="Mailbox."),
    Column(
        "uid",
        BigInteger,
        nullable=False,
        comment="IMAP UID, unique and increasing within the mailbox.",
    ),
    Column(
        "body_id", BigInteger, ForeignKey("bodies.id"), nullable=False, comment="The raw message."
    ),
    Column(
        "flags",
        SmallInteger,
        nullable=False,
        server_default="0",
        comment="System flags bitmask: 1 \\Seen, 2 \\Answered, 4 \\Flagged, 8 \\Deleted, 16 \\Draft.",
    ),
    Column(
        "keywords",
        ARRAY(Text),
        nullable=False,
        server_default="{}",
        comment="IMAP keywords (e.g. $Forwarded, $Junk).",
    ),
    Column(
        "modseq",
        BigInteger,
        nullable=False,
        comment="MODSEQ of the last change to this message (RFC 7162).",
    ),
    Column("internal_date", DateTime(timezone=True), nullable=False, comment="IMAP INTERNALDATE."),
    Column(
        "saved_date",
        DateTime(timezone=True),
        nullable=False,
        server_default=_now(),
        comment="When the message was saved in this mailbox (RFC 8514 SAVEDATE).",
    ),
    Column(
        "size",
        BigInteger,
        nullable=False,
        comment="Copy of bodies.size (RFC822.SIZE), for counters and quota.",
    ),
    PrimaryKeyConstraint("account_id", "mailbox_id", "uid", name="messages_pkey"),
    ForeignKeyConstraint(
        ["account_id", "mailbox_id"],
        ["mailboxes.account_id", "mailboxes.id"],
        ondelete="CASCADE",
        name="messages_mailbox_fkey",
    ),
    Index("messages_modseq", "account_id", "mailbox_id", "modseq"),
    Index("messages_internal_date", "account_id", "mailbox_id", "internal_date"),
    Index(
        "messages_unseen", "account_id", "mailbox_id", "uid", postgresql_where=text("flags & 1 = 0")
    ),
    Index("messages_body_id", "body_id"),
    comment="Messages in mailboxes: one row per message per mailbox.",
)

expunged = Table(
    "expunged",
    metadata,
    Column("account_id", BigInteger, nullable=False, comment="Owner."),
    Column("mailbox_id", BigInteger, nullable=False, comment="Mailbox."),
    Column("uid", BigInteger, nullable=False, comment="Expunged UID."),
    Column("modseq", BigInteger, nullable=False, comment="MODSEQ of the expunge."),
    PrimaryKeyConstraint("account_id", "mailbox_id", "uid", name="expunged_pkey"),
    ForeignKeyConstraint(
        ["account_id", "mailbox_id"],
        ["mailboxes.account_id", "mailboxes.id"],
        ondelete="CASCADE",
        name="expunged_mailbox_fkey",
    ),
    Index("expunged_modseq", "account_id", "mailbox_id", "modseq"),
    comment="Expunged UIDs with their MODSEQ, for QRESYNC VANISHED.",
)

maildrop_locks = Table(
    "maildrop_locks",
    metadata,
    Column(
        "account_id",
        BigInteger,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
        comment="Account whose maildrop (INBOX) a POP3 session holds.",
    ),
    Column("holder", Text, nullable=False, comment="Process and session holding the lock."),
    Column(
        "expires_at",
        DateTime(timezone=True),
        nullable=False,
        comment="Lease end: the holder renews it; another session may take an expired lock.",
    ),
    comment="POP3 exclusive-access locks shared by every front-end process (RFC 1939 §8).",
)

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

#: System flag bits of ``messages.flags``.
SEEN, ANSWERED, FLAGGED, DELETED, DRAFT = 1, 2, 4, 8, 16
SYSTEM_FLAGS: dict[str, int] = {
    "\\Seen": SEEN,
    "\\Answered": ANSWERED,
    "\\Flagged": FLAGGED,
    "\\Deleted": DELETED,
    "\\Draft": DRAFT,
}

__all__ = [
    "ANSWERED",
    "DELETED",
    "DRAFT",
    "FLAGGED",
    "SEEN",
    "SYSTEM_FLAGS",
    "accounts",
    "aliases",
    "bodies",
    "body_terms",
    "delivery_log",
    "domains",
    "expunged",
    "index_queue",
    "mailboxes",
    "messages",
    "metadata",
    "queue_messages",
    "queue_recipients",
    "received_log",
    "subscriptions",
]
