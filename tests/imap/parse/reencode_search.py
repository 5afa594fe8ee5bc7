"""Canonical spelling of a search criteria tree (the inverse of ``parse/search.py``)."""

from __future__ import annotations

from servers.imap.parse.search import CHARSETS
from servers.imap.parse.search_keys import (
    Age,
    All,
    And,
    BodyContains,
    DateCompare,
    DateField,
    Flag,
    HeaderContains,
    Keyword,
    ModSeq,
    Not,
    Or,
    SaveDateSupported,
    SearchKey,
    SeqSet,
    Size,
    TextContains,
    UidSet,
)
from servers.imap.wire import encode

_HEADER_KEYS = {"bcc", "cc", "from", "subject", "to"}
_DATE_PREFIX = {DateField.INTERNAL: "", DateField.SENT: "SENT", DateField.SAVED: "SAVED"}


def search_program(criteria: SearchKey, charset: str | None) -> bytes:
    """Top-level keys are space-separated; nested conjunctions are parenthesised."""
    codec = CHARSETS[charset] if charset else "utf-8"
    keys = criteria.keys if isinstance(criteria, And) else (criteria,)
    return b" ".join(search_key(key, codec) for key in keys)


def _flag_key(flag: str, present: bool) -> bytes:
    if flag == "\\Recent":
        return b"RECENT" if present else b"OLD"
    name = flag[1:].upper().encode()
    return name if present else b"UN" + name


def search_key(key: SearchKey, codec: str) -> bytes:
    def text(value: str) -> bytes:
        return encode.quoted_or_literal(value.encode(codec))

    match key:
        case All():
            return b"ALL"
        case And(keys):
            return b"(" + b" ".join(search_key(inner, codec) for inner in keys) + b")"
        case Or(left, right):
            return b"OR " + search_key(left, codec) + b" " + search_key(right, codec)
        case Not(inner):
            return b"NOT " + search_key(inner, codec)
        case Flag(flag, present):
            return _flag_key(flag, present)
        case Keyword(keyword, present):
            return (b"KEYWORD " if present else b"UNKEYWORD ") + keyword.encode()
        case HeaderContains(field, value) if field in _HEADER_KEYS:
            return field.upper().encode() + b" " + text(value)
        case HeaderContains(field, value):
            return b"HEADER " + encode.astring(field) + b" " + text(value)
        case BodyContains(value):
            return b"BODY " + text(value)
        case TextContains(value):
            return b"TEXT " + text(value)
        case DateCompare(field, op, day):
            return f"{_DATE_PREFIX[field]}{op.value} ".encode() + encode.date(day)
        case Size(op, octets):
            return b"%s %d" % (op.value.encode(), octets)
        case UidSet(uids):
            return b"UID " + str(uids).encode()
        case SeqSet(sequence):
            return str(sequence).encode()
        case ModSeq(modseq, entry, entry_type):
            prefix = b""
            if entry is not None and entry_type is not None:
                prefix = encode.quoted("/flags/" + entry) + b" " + entry_type.encode() + b" "
            return b"MODSEQ " + prefix + b"%d" % modseq
        case Age(op, seconds):
            return b"%s %d" % (op.value.encode(), seconds)
        case SaveDateSupported():
            return b"SAVEDATESUPPORTED"
    raise AssertionError(key)
