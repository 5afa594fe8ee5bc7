"""The ``report`` views as migration 0004 creates them: frozen with that revision.

A user queries these with any SQL tool, without knowing the internal tables, and the reporting
role (``mailstore db grant-reporting``) may read nothing else. So they are a stable interface:
changing one means a new module and migration (copy this one, edit, ``CREATE OR REPLACE`` /
``DROP`` in the new revision), never an edit here, so that upgrading an old database and
creating a new one give the same views.

Rules every view keeps:

* no message bodies or body text (``bodies.raw``, ``body_text``, ``header_text``, ``headers``),
  no password hashes, no search terms: only counts, sizes, addresses, and the subject/From/
  date of a message's header where the report is about messages;
* days are UTC dates (``day``), so a report does not change with the session's time zone;
* per-day rows have additive measures (sum them over a period); ``mailstore report`` does.
"""

from __future__ import annotations

from mailstore.reports.model import View, columns

_DAY = "(({0}) AT TIME ZONE 'UTC')::date"

DOMAINS = View(
    "domains",
    "One row per local domain: its accounts, aliases, mailboxes, messages and stored bytes.",
    """
SELECT d.name, count(DISTINCT a.id), (SELECT count(*) FROM aliases al WHERE al.domain_id = d.id),
       count(m.id), coalesce(sum(m.messages), 0)::bigint, coalesce(sum(m.size), 0)::bigint,
       d.created_at
FROM domains d
LEFT JOIN accounts a ON a.domain_id = d.id
LEFT JOIN mailboxes m ON m.account_id = a.id
GROUP BY d.id
""",
    columns(
        ("domain", "Domain name."),
        ("accounts", "Number of accounts in the domain."),
        ("aliases", "Number of alias rows whose source is in the domain."),
        ("mailboxes", "Number of mailboxes of those accounts."),
        ("messages", "Number of messages in those mailboxes."),
        ("size_bytes", "Octets of those messages (RFC822.SIZE summed)."),
        ("created_at", "When the domain was added."),
    ),
)

QUOTA = View(
    "quota",
    "One row per account: quota, bytes used, percentage, mailboxes and messages.",
    """
SELECT a.address, d.name, a.quota_bytes, a.used_bytes,
       CASE WHEN a.quota_bytes > 0 THEN round(100.0 * a.used_bytes / a.quota_bytes, 1) END,
       (SELECT count(*) FROM mailboxes m WHERE m.account_id = a.id),
       (SELECT coalesce(sum(m.messages), 0)::bigint FROM mailboxes m WHERE m.account_id = a.id),
       a.created_at
FROM accounts a JOIN domains d ON d.id = a.domain_id
""",
    columns(
        ("account", "Account address (its login)."),
        ("domain", "The account's domain."),
        ("quota_bytes", "Storage quota in octets; NULL: unlimited."),
        ("used_bytes", "Octets stored (sum of message sizes), kept in each write transaction."),
        ("used_percent", "used_bytes as a percentage of quota_bytes, one decimal; NULL: none."),
        ("mailboxes", "Number of mailboxes."),
        ("messages", "Number of messages in all mailboxes."),
        ("created_at", "When the account was created."),
    ),
)

MAILBOXES = View(
    "mailboxes",
    "One row per mailbox: its account and domain, message counts and size.",
    """
SELECT a.address, d.name, m.name, m.special_use, m.messages, m.unseen, m.deleted, m.size,
       m.created_at
FROM mailboxes m JOIN accounts a ON a.id = m.account_id JOIN domains d ON d.id = a.domain_id
""",
    columns(
        ("account", "Owner's address."),
        ("domain", "Owner's domain."),
        ("mailbox", "Mailbox name, / as hierarchy separator."),
        ("special_use", "RFC 6154 special use (\\Sent, \\Trash, ...), or NULL."),
        ("messages", "Number of messages."),
        ("unseen", "Messages without \\Seen."),
        ("deleted", "Messages marked \\Deleted (not yet expunged)."),
        ("size_bytes", "Octets of its messages."),
        ("created_at", "When the mailbox was created."),
    ),
)

TRAFFIC = View(
    "traffic",
    "Messages per UTC day per domain: in (stored for the domain's accounts) and out (delivered "
    "by the outbound queue, by the sender's domain).",
    f"""
SELECT {_DAY.format("l.received_at")}, d.domain, 'in', count(*)::bigint,
       sum((SELECT count(*) FROM unnest(l.recipients) r
            WHERE lower(substring(r FROM '@([^@]*)$')) = d.domain))::bigint,
       sum(l.size)::bigint
FROM received_log l CROSS JOIN LATERAL unnest(l.recipient_domains) AS d(domain)
GROUP BY 1, 2
UNION ALL
SELECT day, sender_domain, 'out', count(*)::bigint, sum(recipients)::bigint, sum(size)::bigint
FROM (SELECT {_DAY.format("attempted_at")} AS day, sender_domain, queue_id,
             count(*) AS recipients, max(size) AS size
      FROM delivery_log WHERE outcome = 'delivered' GROUP BY 1, 2, 3) AS sent
GROUP BY 1, 2
""",
    columns(
        ("day", "UTC date."),
        (
            "domain",
            "in: the local domain the message was stored for; out: the envelope sender's domain "
            "(empty for bounces, whose sender is <>).",
        ),
        ("direction", "in | out."),
        (
            "messages",
            "in: accepted messages with a recipient in the domain; out: queued messages with a "
            "recipient delivered that day.",
        ),
        ("recipients", "in: the domain's accounts stored for; out: recipients delivered."),
        ("bytes", "Octets of those messages, each counted once."),
    ),
)

TOP_SENDERS = View(
    "top_senders",
    "Accepted messages per UTC day per envelope sender (every protocol: MX, submission, LMTP, "
    "the deliver command); sum over days and sort for the top senders.",
    f"""
SELECT {_DAY.format("received_at")}, sender, sender_domain, count(*)::bigint,
       sum(local_recipients + remote_recipients)::bigint, sum(size)::bigint
FROM received_log GROUP BY 1, 2, 3
""",
    columns(
        ("day", "UTC date."),
        ("sender", "Envelope sender (MAIL FROM); empty for <>."),
        ("sender_domain", "Its domain."),
        ("messages", "Messages accepted from it."),
        ("recipients", "Their recipients: local accounts stored for plus remote ones queued."),
        ("bytes", "Octets of those messages."),
    ),
)

TOP_RECIPIENTS = View(
    "top_recipients",
    "Messages per UTC day per recipient: in (local accounts stored for) and out (recipients "
    "the outbound queue delivered); sum over days and sort for the top recipients.",
    f"""
SELECT {_DAY.format("l.received_at")}, r.recipient,
       lower(substring(r.recipient FROM '@([^@]*)$')), 'in', count(*)::bigint,
       sum(l.size)::bigint
FROM received_log l CROSS JOIN LATERAL unnest(l.recipients) AS r(recipient)
GROUP BY 1, 2, 3
UNION ALL
SELECT {_DAY.format("attempted_at")}, recipient, domain, 'out', count(*)::bigint,
       sum(size)::bigint
FROM delivery_log WHERE outcome = 'delivered' GROUP BY 1, 2, 3
""",
    columns(
        ("day", "UTC date."),
        ("recipient", "in: the local account's address; out: the queued envelope recipient."),
        ("domain", "The recipient's domain."),
        ("direction", "in | out."),
        ("messages", "Messages stored for it (in) or delivered to it (out)."),
        ("bytes", "Octets of those messages."),
    ),
)

DELIVERY_OUTCOMES = View(
    "delivery_outcomes",
    "Outbound attempts per UTC day per destination domain and outcome, with delays since queueing.",
    f"""
SELECT {_DAY.format("attempted_at")}, domain, outcome, count(*)::bigint,
       round(avg(attempt), 2), max(attempt),
       round(sum(extract(epoch FROM delay)), 3), round(avg(extract(epoch FROM delay)), 3),
       round(max(extract(epoch FROM delay)), 3)
FROM delivery_log GROUP BY 1, 2, 3
""",
    columns(
        ("day", "UTC date of the attempt."),
        ("domain", "Destination domain."),
        ("outcome", "delivered | deferred (will be retried) | bounced (given up, DSN sent)."),
        (
            "recipients",
            "Attempts with this outcome: for delivered and bounced, recipients (each ends once); "
            "for deferred, attempts that were deferred.",
        ),
        ("avg_attempt", "Mean attempt number (for delivered: how many tries it took)."),
        ("max_attempt", "Highest attempt number."),
        ("delay_seconds_total", "Sum of the seconds between queueing and the attempt."),
        ("delay_seconds_avg", "Mean seconds between queueing and the attempt."),
        ("delay_seconds_max", "Longest seconds between queueing and the attempt."),
    ),
)

AUTHENTICATION = View(
    "authentication",
    "SPF, DKIM and DMARC results of mail received by the MX, per UTC day, method, the domain "
    "the method checked, and result.",
    f"""
SELECT day, method, domain, result, count(*)::bigint FROM (
    SELECT {_DAY.format("received_at")} AS day, 'spf' AS method,
           coalesce(spf_domain, '') AS domain, spf AS result
    FROM received_log WHERE spf IS NOT NULL
    UNION ALL
    SELECT {_DAY.format("received_at")}, 'dkim', coalesce(dkim_domain, ''), dkim
    FROM received_log WHERE dkim IS NOT NULL
    UNION ALL
    SELECT {_DAY.format("received_at")}, 'dmarc', coalesce(dmarc_domain, ''), dmarc
    FROM received_log WHERE dmarc IS NOT NULL
) AS results
GROUP BY 1, 2, 3, 4
""",
    columns(
        ("day", "UTC date."),
        ("method", "spf | dkim | dmarc."),
        (
            "domain",
            "spf: the MAIL FROM (or HELO) domain; dkim: the signature's d= (empty without one); "
            "dmarc: the From: domain.",
        ),
        (
            "result",
            "RFC 8601 §2.7 result: pass, fail, softfail, neutral, none, temperror, permerror, "
            "policy.",
        ),
        ("messages", "Messages with that result."),
    ),
)

LARGEST_MESSAGES = View(
    "largest_messages",
    "One row per stored message with its size and header summary (no body); sort by size_bytes.",
    """
SELECT a.address, d.name, mb.name, m.uid, m.size, b.subject, b.from_addr, b.sent_date,
       m.internal_date, b.message_id, m.body_id
FROM messages m
JOIN mailboxes mb ON mb.account_id = m.account_id AND mb.id = m.mailbox_id
JOIN accounts a ON a.id = m.account_id
JOIN domains d ON d.id = a.domain_id
JOIN bodies b ON b.id = m.body_id
""",
    columns(
        ("account", "Owner's address."),
        ("domain", "Owner's domain."),
        ("mailbox", "Mailbox name."),
        ("uid", "IMAP UID in that mailbox."),
        ("size_bytes", "Message size in octets (RFC822.SIZE)."),
        ("subject", "Decoded Subject."),
        ("from_header", "Decoded From header."),
        ("sent_date", "Date header; NULL when missing or invalid."),
        ("internal_date", "When it arrived (IMAP INTERNALDATE)."),
        ("message_id", "Message-ID header."),
        ("body_id", "Stored body id (copies of one message share it)."),
    ),
)

#: Leaf and message/rfc822 parts of a BODYSTRUCTURE (mailstore/message/bodystructure.py): the
#: JSON objects with a "type" key, at any depth ("multipart" children, message/rfc822 "body").
_PARTS = "jsonb_path_query(b.bodystructure, 'strict $.**')"


def _has_param(array: str, name: str) -> str:
    """True when the flat ``[k1, v1, ...]`` JSON ``array`` has the key ``name`` (any case)."""
    return (
        "EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof("
        f"{array}) = 'array' THEN {array} ELSE '[]' END) WITH ORDINALITY AS k(v, i) "
        f"WHERE k.i % 2 = 1 AND lower(k.v) = '{name}')"
    )


ATTACHMENT_TYPES = View(
    "attachment_types",
    "Attachments of stored messages per domain and content type: how many, and their sizes.",
    f"""
SELECT d.name, lower(p ->> 'type') || '/' || lower(p ->> 'subtype'), count(*)::bigint,
       count(DISTINCT (m.account_id, m.mailbox_id, m.uid))::bigint,
       sum((p ->> 'size')::bigint)::bigint, max((p ->> 'size')::bigint)
FROM messages m
JOIN bodies b ON b.id = m.body_id
JOIN accounts a ON a.id = m.account_id
JOIN domains d ON d.id = a.domain_id
CROSS JOIN LATERAL {_PARTS} AS p
WHERE jsonb_typeof(p) = 'object' AND p ? 'type'
  AND (lower(coalesce(p -> 'disposition' ->> 0, '')) = 'attachment'
       OR {_has_param("p -> 'disposition' -> 1", "filename")}
       OR {_has_param("p -> 'params'", "name")})
GROUP BY 1, 2
""",
    columns(
        ("domain", "Domain of the accounts holding the messages."),
        ("content_type", "Lower-case type/subtype of the attachment."),
        (
            "attachments",
            "Attachments of this type (parts with Content-Disposition: attachment or a file "
            "name), counted once per stored copy.",
        ),
        ("messages", "Stored messages with at least one such attachment."),
        ("bytes", "Octets of those parts as stored (transfer-encoded, e.g. base64)."),
        ("max_bytes", "Largest such part, transfer-encoded."),
    ),
)

#: Every view of revision 0004, in the order they are created and documented.
VIEWS: tuple[View, ...] = (
    DOMAINS,
    QUOTA,
    MAILBOXES,
    TRAFFIC,
    TOP_SENDERS,
    TOP_RECIPIENTS,
    DELIVERY_OUTCOMES,
    AUTHENTICATION,
    LARGEST_MESSAGES,
    ATTACHMENT_TYPES,
)
