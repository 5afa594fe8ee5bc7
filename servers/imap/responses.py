"""Untagged response lines shared by several command groups (RFC 9051 §7).

Mailbox-size and message-status updates (EXISTS, RECENT, EXPUNGE, VANISHED, FETCH) and the
small data items they carry. The wire primitives are in ``wire/encode.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from servers.imap.wire import encode

__all__ = [
    "exists",
    "expunge",
    "fetch",
    "flags_item",
    "mailbox",
    "modseq_item",
    "recent",
    "uid_item",
    "vanished",
]

SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")


def mailbox(name: str, *, utf8: bool) -> bytes:
    """A mailbox name; once UTF-8 is enabled, quoted UTF-8 rather than a literal
    (RFC 9051 §9 ``QUOTED-CHAR`` includes UTF8-2/3/4, RFC 6855 §3)."""
    if utf8 and not name.isascii() and not any(char in name for char in '"\\\r\n\0'):
        return b'"' + name.encode("utf-8") + b'"'
    return encode.mailbox(name, utf8=utf8)


def flags_item(flags: Iterable[str], recent: bool = False) -> bytes:
    """``FLAGS (...)``; ``\\Recent`` is session state, added here (RFC 3501 §2.3.2)."""
    names = list(flags)
    if recent:
        names.append("\\Recent")
    return b"FLAGS " + encode.flag_list(names)


def uid_item(uid: int) -> bytes:
    return b"UID %d" % uid


def modseq_item(modseq: int) -> bytes:
    """RFC 7162 §3.1.4.1: ``MODSEQ (n)``."""
    return b"MODSEQ (%d)" % modseq


def fetch(seq: int, items: Sequence[bytes]) -> bytes:
    """``* seq FETCH (item item ...)`` (RFC 9051 §7.5.2)."""
    return b"* %d FETCH (%s)\r\n" % (seq, b" ".join(items))


def exists(count: int) -> bytes:
    """RFC 9051 §7.4.1."""
    return b"* %d EXISTS\r\n" % count


def recent(count: int) -> bytes:
    """RFC 3501 §7.3.2 (not in IMAP4rev2)."""
    return b"* %d RECENT\r\n" % count


def expunge(seq: int) -> bytes:
    """RFC 9051 §7.5.1."""
    return b"* %d EXPUNGE\r\n" % seq


def vanished(uids: Iterable[int], *, earlier: bool = False) -> bytes:
    """RFC 7162 §3.2.10: ``* VANISHED [(EARLIER)] uid-set``."""
    tag = b"(EARLIER) " if earlier else b""
    return b"* VANISHED " + tag + encode.sequence_set(uids) + b"\r\n"
