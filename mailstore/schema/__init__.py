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

from mailstore.schema.base import mailbox_id_seq, metadata, uidvalidity_seq
from mailstore.schema.mail import (
    accounts,
    aliases,
    bodies,
    body_terms,
    domains,
    expunged,
    index_queue,
    mailboxes,
    maildrop_locks,
    messages,
    subscriptions,
)
from mailstore.schema.outbound import delivery_log, queue_messages, queue_recipients, received_log

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
    "mailbox_id_seq",
    "mailboxes",
    "maildrop_locks",
    "messages",
    "metadata",
    "queue_messages",
    "queue_recipients",
    "received_log",
    "subscriptions",
    "uidvalidity_seq",
]
