"""Hosting directory and mail storage: domains, accounts, aliases, mailboxes, bodies, messages
and their search and change-tracking side tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from mailstore.schema.base import _now, mailbox_id_seq, metadata, uidvalidity_seq

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
