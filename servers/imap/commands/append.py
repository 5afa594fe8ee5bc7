"""APPEND (RFC 9051 §6.3.12, RFC 3502 MULTIAPPEND, RFC 4315 APPENDUID) and the quota commands
(RFC 9208: one quota root "" per account, the STORAGE resource).

Every message of one APPEND is stored in ONE engine transaction (``Ingest.store``), so a
MULTIAPPEND is all or nothing and the OK comes only after COMMIT (DESIGN principle 7).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from servers.imap import responses
from servers.imap.engine import (
    InvalidArgument,
    MailstoreError,
    NotFound,
    OverQuota,
    Stored,
    Target,
    prepare,
    split_flags,
)
from servers.imap.errors import Done, bad, from_engine, no
from servers.imap.parse import Append, GetQuota, GetQuotaRoot, SetQuota
from servers.imap.state import Selected
from servers.imap.wire import ResponseCode, encode

if TYPE_CHECKING:
    from servers.imap.session import Session

#: RFC 9208 §5.1: STORAGE is counted in units of 1024 octets.
KIB = 1024


async def append(s: Session, cmd: Append) -> Done:
    """RFC 9051 §6.3.12 (authenticated, selected)."""
    account = s.account()
    _check_messages(s, cmd)
    incoming = [await prepare(message.data, message.internal_date) for message in cmd.messages]
    items = [
        (message, Target(account.id, cmd.mailbox, tuple(m.flags), fallback_to_inbox=False))
        for message, m in zip(incoming, cmd.messages, strict=True)
    ]
    results = await s.store.ingest.store(items)
    stored = [result for result in results if isinstance(result, Stored)]
    errors = [result for result in results if isinstance(result, MailstoreError)]
    if errors:
        raise _append_error(errors[0])
    match s.state:  # RFC 9051 §6.3.12: the selected mailbox then reports EXISTS
        case Selected(_, view) if view.mailbox_id == stored[0].mailbox_id:
            view.dirty = True
    uids = encode.sequence_set(result.uid for result in stored)
    return Done(
        "APPEND completed", ResponseCode.APPENDUID, b"%d %s" % (stored[0].uidvalidity, uids)
    )


def _check_messages(s: Session, cmd: Append) -> None:
    """Refuse before storing anything: too big, empty, or a flag the store cannot keep."""
    for message in cmd.messages:
        if len(message.data) > s.shared.settings.max_message_size:
            raise no("message too big", ResponseCode.TOOBIG)  # RFC 7889 §4
        if not message.data:
            raise no("empty message", ResponseCode.CANNOT)
        try:
            split_flags(message.flags)
        except InvalidArgument as exc:
            raise bad(str(exc)) from None


def _append_error(exc: MailstoreError) -> Exception:
    """RFC 9051 §6.3.12: a missing target is ``[TRYCREATE]``; a full account ``[OVERQUOTA]``."""
    if isinstance(exc, NotFound):
        return no("no such mailbox", ResponseCode.TRYCREATE)
    if isinstance(exc, OverQuota):
        return no("quota exceeded", ResponseCode.OVERQUOTA)
    return from_engine(exc)


async def getquotaroot(s: Session, cmd: GetQuotaRoot) -> None:
    """RFC 9208 §4.3 (authenticated, selected): every mailbox is under the root ""."""
    account = s.account()
    try:
        info = await s.store.mailboxes.get(account.id, cmd.mailbox)
    except (NotFound, InvalidArgument):
        raise no(f"no mailbox {cmd.mailbox}", ResponseCode.NONEXISTENT) from None
    current = await s.store.directory.get_account_by_id(account.id)
    name = responses.mailbox(info.name, utf8=s.modes.utf8)
    if current.quota_bytes is None:
        await s.write(encode.untagged(b"QUOTAROOT " + name))
        return
    await s.write(encode.untagged(b"QUOTAROOT " + name + b' ""'))
    await s.write(_quota_line(current.used_bytes, current.quota_bytes))


async def getquota(s: Session, cmd: GetQuota) -> None:
    """RFC 9208 §4.2 (authenticated, selected)."""
    current = await s.store.directory.get_account_by_id(s.account().id)
    if cmd.root != "" or current.quota_bytes is None:
        raise no(f"no quota root {cmd.root!r}", ResponseCode.NONEXISTENT)
    await s.write(_quota_line(current.used_bytes, current.quota_bytes))


async def setquota(s: Session, cmd: SetQuota) -> None:
    """RFC 9208 §4.1 (authenticated, selected): quotas are the administrator's."""
    raise no("quotas are set by the administrator", ResponseCode.NOPERM)


def _quota_line(used: int, limit: int) -> bytes:
    """``* QUOTA "" (STORAGE used limit)`` in KiB, rounded up (RFC 9208 §5.1)."""
    return encode.untagged(b'QUOTA "" (STORAGE %d %d)' % (-(-used // KIB), limit // KIB))
