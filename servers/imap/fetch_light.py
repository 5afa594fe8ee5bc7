"""The cheap FETCH path: items that need no message body (UID, FLAGS, RFC822.SIZE,
INTERNALDATE, MODSEQ), formatted straight from the engine's row tuples.

``UID FETCH 1:* (UID FLAGS)`` is what a client sends to resync a large mailbox; it used to
build a row object, a list of item strings and a sequence-number bisect per message. Here a
mailbox's few distinct flag sets are encoded once each, sequence numbers come from walking the
view's UID list alongside the rows, and each engine chunk becomes one write. The output is
byte-for-byte what ``fetch_items.FetchFormatter`` produces for the same items (tests compare).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

from servers.imap import responses
from servers.imap.engine import join_flags
from servers.imap.parse import Fetch, FetchAttr
from servers.imap.wire import encode

if TYPE_CHECKING:
    from servers.imap.session import Session
    from servers.imap.view import MailboxView

#: Items this path can answer.
LIGHT_ITEMS = frozenset(
    {
        FetchAttr.UID,
        FetchAttr.FLAGS,
        FetchAttr.RFC822_SIZE,
        FetchAttr.INTERNALDATE,
        FetchAttr.MODSEQ,
    }
)


def is_light(cmd: Fetch) -> bool:
    return all(item in LIGHT_ITEMS for item in cmd.items)


async def fetch_light(s: Session, view: MailboxView, cmd: Fetch, uids: list[int]) -> None:
    """``* n FETCH (...)`` for ``uids`` (ascending, all in the view), items in the order
    asked with UID first (RFC 9051 §6.4.9), MODSEQ last (RFC 7162 §3.1.4.1)."""
    with_uid = cmd.uid or FetchAttr.UID in cmd.items
    with_modseq = FetchAttr.MODSEQ in cmd.items or cmd.changedsince is not None
    order = [i for i in cmd.items if i not in (FetchAttr.UID, FetchAttr.MODSEQ)]
    want_size = FetchAttr.RFC822_SIZE in order
    want_date = FetchAttr.INTERNALDATE in order
    size_at = 4
    date_at = 5 if want_size else 4
    recent_ok = not s.modes.rev2
    recent = view.recent
    flag_cache: dict[tuple[int, tuple[str, ...], bool], bytes] = {}
    view_uids = view.uids
    position = 0  # index into view_uids of the next row: sequence numbers by walking
    chunks = s.store.messages.fetch_flags(
        view.account_id, view.mailbox_id, uids, size=want_size, internal_date=want_date
    )
    async for rows in chunks:
        out: list[bytes] = []
        for row in rows:
            uid = row[0]
            if position >= len(view_uids) or view_uids[position] != uid:
                position = bisect_left(
                    view_uids, uid, 0 if position >= len(view_uids) else position
                )
            seq = position + 1
            position += 1  # where the next row's UID is when the set has no gaps
            items: list[bytes] = [b"UID %d" % uid] if with_uid else []
            for item in order:
                if item is FetchAttr.FLAGS:
                    is_recent = recent_ok and uid in recent
                    key = (row[1], tuple(row[2] or ()), is_recent)
                    encoded = flag_cache.get(key)
                    if encoded is None:
                        flags = join_flags(row[1], key[1])
                        encoded = flag_cache[key] = responses.flags_item(flags, is_recent)
                    items.append(encoded)
                elif item is FetchAttr.RFC822_SIZE:
                    items.append(b"RFC822.SIZE %d" % row[size_at])
                else:  # INTERNALDATE
                    items.append(b"INTERNALDATE " + encode.date_time(row[date_at]))
            if with_modseq:
                items.append(b"MODSEQ (%d)" % row[3])
            out.append(b"* %d FETCH (%s)\r\n" % (seq, b" ".join(items)))
        await s.write(b"".join(out))
