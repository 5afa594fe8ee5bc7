"""LIST (RFC 9051 §6.3.9 with RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154
SPECIAL-USE), LSUB (RFC 3501 §6.3.9), NAMESPACE (RFC 9051 §6.3.10) and STATUS (§6.3.11).

A LIST reads the account's mailboxes (and subscriptions when asked) in one query each and
matches the patterns here; the hierarchy separator is ``/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from servers.imap import responses
from servers.imap.engine import (
    SEPARATOR,
    InvalidArgument,
    NotFound,
    parents_of,
    pattern_regex,
    query,
)
from servers.imap.errors import no
from servers.imap.parse import List, ListReturn, ListSelect, Lsub, MailboxStatus, Namespace
from servers.imap.parse import StatusItem as Item
from servers.imap.wire import ResponseCode, encode

if TYPE_CHECKING:
    from servers.imap.engine import MailboxInfo
    from servers.imap.session import Session

_DELIMITER = b'"' + SEPARATOR.encode() + b'"'


@dataclass
class _Entry:
    """One LIST response: a mailbox, or a name that only exists as a parent or subscription."""

    name: str
    info: MailboxInfo | None
    attributes: list[str] = field(default_factory=list)
    childinfo: bool = False  # RFC 5258 §3.5 CHILDINFO ("SUBSCRIBED")


async def list_(s: Session, cmd: List) -> None:
    """RFC 9051 §6.3.9 / RFC 5258 (authenticated, selected)."""
    if cmd.patterns == ("",) and not cmd.selection and not cmd.returns:
        # RFC 9051 §6.3.9: an empty pattern asks for the hierarchy delimiter
        await s.write(encode.untagged(b"LIST (\\Noselect) " + _DELIMITER + b' ""'))
        return
    account = s.account()
    mailboxes = {info.name: info for info in await s.store.mailboxes.list(account.id)}
    subscribed: set[str] = set()
    wants_subscribed = (
        ListSelect.SUBSCRIBED in cmd.selection or ListReturn.SUBSCRIBED in cmd.returns
    )
    if wants_subscribed:
        subscribed = set(await s.store.mailboxes.subscriptions(account.id))
    extended = bool(cmd.selection or cmd.returns or len(cmd.patterns) > 1 or s.modes.rev2)
    entries = _entries(cmd, mailboxes, subscribed, extended)
    for entry in entries:
        await s.write(_list_line(s, "LIST", entry))
        if cmd.return_status is not None and entry.info is not None:
            await s.write(await _status_line(s, entry.info, cmd.return_status))


def _entries(
    cmd: List, mailboxes: dict[str, MailboxInfo], subscribed: set[str], extended: bool
) -> list[_Entry]:
    """The matching names with their attributes (RFC 5258 §3, RFC 6154 §2)."""
    regexes = [pattern_regex(cmd.reference + pattern) for pattern in cmd.patterns if pattern]
    parents = {parent for name in mailboxes for parent in parents_of(name)}
    names = set(mailboxes) | parents
    only_subscribed = ListSelect.SUBSCRIBED in cmd.selection
    if only_subscribed:
        names = set(subscribed)
        if ListSelect.RECURSIVEMATCH in cmd.selection:
            names |= {parent for name in subscribed for parent in parents_of(name)}
    entries = []
    for name in sorted(names, key=lambda n: (n != "INBOX", n)):
        if not any(regex.match(name) for regex in regexes):
            continue
        info = mailboxes.get(name)
        if ListSelect.SPECIAL_USE in cmd.selection and (info is None or not info.special_use):
            continue
        entry = _Entry(name, info)
        entry.childinfo = only_subscribed and any(
            sub.startswith(name + SEPARATOR) for sub in subscribed
        )
        if only_subscribed and name not in subscribed and not entry.childinfo:
            continue
        entry.attributes = _attributes(entry, name in parents, name in subscribed, cmd, extended)
        entries.append(entry)
    return entries


def _attributes(
    entry: _Entry, has_children: bool, is_subscribed: bool, cmd: List, extended: bool
) -> list[str]:
    attributes = []
    if entry.info is None:  # RFC 5258 §3.4 (\NonExistent implies \Noselect)
        attributes.append("\\NonExistent" if extended else "\\Noselect")
    attributes.append("\\HasChildren" if has_children else "\\HasNoChildren")  # RFC 3348
    if entry.info is not None and entry.info.special_use:
        attributes.append(entry.info.special_use)  # RFC 6154 §2
    wants = ListSelect.SUBSCRIBED in cmd.selection or ListReturn.SUBSCRIBED in cmd.returns
    if wants and is_subscribed:
        attributes.append("\\Subscribed")  # RFC 5258 §3.4
    return attributes


def _list_line(s: Session, kind: str, entry: _Entry) -> bytes:
    """``* LIST (attrs) "/" name [("CHILDINFO" ("SUBSCRIBED"))]``."""
    line = b"%s %s %s %s" % (
        kind.encode(),
        encode.flag_list(entry.attributes),
        _DELIMITER,
        responses.mailbox(entry.name, utf8=s.modes.utf8),
    )
    if entry.childinfo:
        line += b' (("CHILDINFO" ("SUBSCRIBED")))'
    return encode.untagged(line)


async def lsub(s: Session, cmd: Lsub) -> None:
    """RFC 3501 §6.3.9 (authenticated, selected): subscribed names matching the pattern."""
    account = s.account()
    regex = pattern_regex(cmd.reference + cmd.pattern)
    existing = {info.name for info in await s.store.mailboxes.list(account.id)}
    for name in await s.store.mailboxes.subscriptions(account.id):
        if regex.match(name):
            attributes = [] if name in existing else ["\\Noselect"]
            await s.write(_list_line(s, "LSUB", _Entry(name, None, attributes)))


async def namespace(s: Session, cmd: Namespace) -> None:
    """RFC 9051 §6.3.10 (authenticated, selected): one personal namespace, no others."""
    await s.write(encode.untagged(b'NAMESPACE (("" ' + _DELIMITER + b")) NIL NIL"))


async def status(s: Session, cmd: MailboxStatus) -> None:
    """RFC 9051 §6.3.11 (authenticated, selected): counters kept on the mailbox row."""
    if Item.HIGHESTMODSEQ in cmd.items:
        await s.enable_condstore()  # RFC 7162 §3.1: a CONDSTORE enabling command
    try:
        info = await s.store.mailboxes.get(s.account().id, cmd.mailbox)
    except (NotFound, InvalidArgument):
        raise no(f"no mailbox {cmd.mailbox}", ResponseCode.NONEXISTENT) from None
    await s.write(await _status_line(s, info, cmd.items))


async def _status_line(s: Session, info: MailboxInfo, items: Iterable[Item]) -> bytes:
    """``* STATUS name (item value ...)``."""
    values = []
    for item in items:
        values.append(b"%s %d" % (item.value.encode(), await _status_value(s, info, item)))
    name = responses.mailbox(info.name, utf8=s.modes.utf8)
    return encode.untagged(b"STATUS " + name + b" (" + b" ".join(values) + b")")


async def _status_value(s: Session, info: MailboxInfo, item: Item) -> int:
    match item:
        case Item.MESSAGES:
            return info.messages
        case Item.UIDNEXT:
            return info.uidnext
        case Item.UIDVALIDITY:
            return info.uidvalidity
        case Item.UNSEEN:
            return info.unseen
        case Item.DELETED:
            return info.deleted
        case Item.SIZE:  # RFC 8438
            return info.size
        case Item.HIGHESTMODSEQ:  # RFC 7162 §3.1.6
            return info.highestmodseq
        case Item.APPENDLIMIT:  # RFC 7889 §4
            return s.shared.settings.max_message_size
        case Item.RECENT:  # RFC 3501: messages no session has claimed yet
            if info.first_recent_uid >= info.uidnext:
                return 0
            recent = query.UidIn(((info.first_recent_uid, None),))
            return len(await s.store.messages.search(s.account().id, info.id, recent))
    raise AssertionError(item)  # pragma: no cover
