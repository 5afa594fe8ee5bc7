"""The parser's search-key tree -> the engine's criteria tree (``mailstore.store.search``).

What only the session knows is resolved here, so each SEARCH, SORT or THREAD is ONE SQL
query (DESIGN principle 6): message sequence numbers, ``*`` and ``$`` (RFC 5182) become UID
ranges of the view, ``\\Recent`` (and with it NEW and OLD) the session's recent UIDs.
Everything else maps one to one.
"""

from __future__ import annotations

from collections.abc import Iterable

from servers.imap.engine import query as engine
from servers.imap.parse import SavedResult, SequenceArg
from servers.imap.parse import search_keys as keys
from servers.imap.view import MailboxView

__all__ = ["translate"]

_DATE_OPS = {
    keys.DateOp.BEFORE: engine.DateOp.BEFORE,
    keys.DateOp.ON: engine.DateOp.ON,
    keys.DateOp.SINCE: engine.DateOp.SINCE,
}
_DATE_FIELDS: dict[
    keys.DateField, type[engine.InternalDate | engine.SentDate | engine.SavedDate]
] = {
    keys.DateField.INTERNAL: engine.InternalDate,
    keys.DateField.SENT: engine.SentDate,
    keys.DateField.SAVED: engine.SavedDate,
}


def translate(key: keys.SearchKey, view: MailboxView) -> engine.Criteria:
    """RFC 9051 §6.4.4 search key -> engine criteria, resolved against ``view``."""
    match key:
        case keys.All() | keys.SaveDateSupported():  # RFC 8514 §4.4: every message has one
            return engine.All()
        case keys.And(items):
            return engine.And(tuple(translate(item, view) for item in items))
        case keys.Or(left, right):
            return engine.Or((translate(left, view), translate(right, view)))
        case keys.Not(inner):
            return engine.Not(translate(inner, view))
        case keys.Flag(flag, present):
            found = _uid_ranges(view.recent) if flag == "\\Recent" else engine.HasFlag(flag)
            return found if present else engine.Not(found)
        case keys.Keyword(keyword, present):
            return engine.HasFlag(keyword) if present else engine.Not(engine.HasFlag(keyword))
        case keys.HeaderContains(field, value):
            return engine.HeaderContains(field, value)
        case keys.BodyContains(value):
            return engine.BodyContains(value)
        case keys.TextContains(value):
            return engine.TextContains(value)
        case keys.DateCompare(field, op, day):
            return _DATE_FIELDS[field](_DATE_OPS[op], day)
        case keys.Size(op, octets):
            return engine.Larger(octets) if op is keys.SizeOp.LARGER else engine.Smaller(octets)
        case keys.UidSet(uids):
            return _uid_set(uids, view)
        case keys.SeqSet(sequence):
            return _seq_set(sequence, view)
        case keys.ModSeq(modseq):  # RFC 7162 §3.1.5: per-flag entries share the message's
            return engine.ModSeqAtLeast(modseq)
        case keys.Age(op, seconds):  # RFC 5032
            return engine.Older(seconds) if op is keys.AgeOp.OLDER else engine.Younger(seconds)
    raise AssertionError(f"unknown search key {key!r}")  # pragma: no cover


def uses_modseq(key: keys.SearchKey) -> bool:
    """True when the program has a MODSEQ key (RFC 7162 §3.1.5 adds ``(MODSEQ n)``)."""
    match key:
        case keys.ModSeq():
            return True
        case keys.And(items):
            return any(uses_modseq(item) for item in items)
        case keys.Or(left, right):
            return uses_modseq(left) or uses_modseq(right)
        case keys.Not(inner):
            return uses_modseq(inner)
    return False


def _uid_set(uids: SequenceArg, view: MailboxView) -> engine.Criteria:
    """``UID set``: ``*`` is the highest known UID; ``$`` the saved result (RFC 5182)."""
    if isinstance(uids, SavedResult):
        return _uid_ranges(view.saved_uids())
    largest = view.uids[-1] if view.uids else 0
    return engine.UidIn(tuple((first, last) for first, last in uids.resolve(largest)))


def _seq_set(sequence: SequenceArg, view: MailboxView) -> engine.Criteria:
    """Sequence ranges map to UID ranges: the view holds every UID up to its last one."""
    if isinstance(sequence, SavedResult):
        return _uid_ranges(view.saved_uids())
    count = view.count
    ranges = []
    for first, last in sequence.resolve(count):
        if first <= count:
            ranges.append((view.uids[first - 1], view.uids[min(last, count) - 1]))
    return engine.UidIn(tuple(ranges))


def _uid_ranges(uids: Iterable[int]) -> engine.UidIn:
    """Exact UIDs as compact ranges (the recent or saved ones)."""
    ranges: list[tuple[int, int | None]] = []
    for uid in sorted(uids):
        if ranges and ranges[-1][1] == uid - 1:
            ranges[-1] = (ranges[-1][0], uid)
        else:
            ranges.append((uid, uid))
    return engine.UidIn(tuple(ranges))
