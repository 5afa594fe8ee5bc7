"""IMAP ENVELOPE (RFC 3501 §7.4.2) and the SEARCH/SORT header keys.

The ENVELOPE is JSON-able data::

    [date, subject, from, sender, reply_to, to, cc, bcc, in_reply_to, message_id]

string fields are the raw, unfolded header values (not RFC 2047 decoded) or
None; address fields are None or lists of ``[name, adl, mailbox, host]``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from .address import Address, first_mailbox, parse_address_list
from .headers import decode_words, raw_str

ENVELOPE_FIELDS = ("date", "subject", "from", "sender", "reply-to", "to", "cc", "bcc")
_ADDRESS_FIELDS = frozenset({"from", "sender", "reply-to", "to", "cc", "bcc"})


def build_envelope(values: dict[str, bytes]) -> list:
    """RFC 3501 §7.4.2 ENVELOPE from the first occurrence of each field.

    "If the Sender or Reply-To lines are absent in the [RFC-2822] header, or
    are present but empty, the server sets the corresponding member of the
    envelope to be the same value as the from member."
    """
    date = raw_str(values.get("date"))
    subject = raw_str(values.get("subject"))
    addrs: dict[str, list[Address] | None] = {}
    for name in _ADDRESS_FIELDS:
        addrs[name] = parse_address_list(raw_str(values.get(name)))
    sender = addrs["sender"] or addrs["from"]
    reply_to = addrs["reply-to"] or addrs["from"]
    return [
        date,
        subject,
        addrs["from"],
        sender,
        reply_to,
        addrs["to"],
        addrs["cc"],
        addrs["bcc"],
        raw_str(values.get("in-reply-to")),
        raw_str(values.get("message-id")),
    ]


def parse_date(value: str | None) -> datetime | None:
    """RFC 5322 §3.3 date-time -> aware datetime (``-0000`` taken as UTC)."""
    if not value:
        return None
    try:
        dt = parsedate_to_datetime(value)
    except Exception:
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


_MSGID = re.compile(r"<[^<>]*>")


def msg_ids(value: str) -> list[str]:
    """msg-ids of References:/In-Reply-To: in order (RFC 5322 §3.6.4)."""
    ids = _MSGID.findall(value)
    if ids:
        return [re.sub(r"\s+", "", i) for i in ids]
    return value.split()


# RFC 5256 §2.1 base subject.
_WSP_RUN = re.compile(r"[ \t\r\n]+")
_TRAILER = re.compile(r"(?:[ \t]*\(fwd\))+[ \t]*\Z|[ \t]+\Z", re.I)
_BLOB = r"\[[^\[\]]*\][ \t]*"
_LEADER = re.compile(rf"\A(?:[ \t]+|(?:{_BLOB})*(?:re|fwd?)[ \t]*(?:{_BLOB})?:)", re.I)
_BLOB_RE = re.compile(rf"\A{_BLOB}")
_FWD_WRAP = re.compile(r"\A\[fwd:(.*)\]\Z", re.I | re.S)


def base_subject(subject: str) -> str:
    """RFC 5256 §2.1 "base subject", case-folded (str.casefold).

    (1) encoded words are already decoded; WSP runs become one space; (2)
    strip ``(fwd)`` trailers and trailing WSP; (3) strip ``re:``/``fw:``/
    ``fwd:`` leaders with optional ``[blob]``s and leading WSP; (4) strip a
    leading ``[blob]`` unless that empties the subject; (5) repeat 3-4;
    (6) unwrap ``[fwd: ...]`` and repeat from 2.
    """
    s = _WSP_RUN.sub(" ", subject)
    for _ in range(100):
        while True:
            t = _TRAILER.sub("", s)
            if t == s:
                break
            s = t
        while True:
            before = s
            m = _LEADER.match(s)
            if m and m.end() > 0:
                s = s[m.end() :]
            m = _BLOB_RE.match(s)
            if m and s[m.end() :]:
                s = s[m.end() :]
            if s == before:
                break
        m = _FWD_WRAP.match(s)
        if m is None:
            break
        s = m.group(1)
    return s.casefold()


def sort_keys(from_: list[Address] | None) -> tuple[str, str]:
    """(RFC 5256 addr-mailbox, RFC 5957 display) for the first address, lowercased.

    RFC 5957 §2: the display name (RFC 2047 decoded) if present and not empty,
    else the addr-spec ``mailbox@host``.
    """
    a = first_mailbox(from_)
    if a is None:
        return "", ""
    mailbox = (a[2] or "").lower()
    display = decode_words(a[0]).strip() if a[0] else ""
    if not display:
        display = f"{a[2] or ''}@{a[3]}" if a[3] else (a[2] or "")
    return mailbox, display.lower()
