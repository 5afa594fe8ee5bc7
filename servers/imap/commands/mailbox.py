"""Mailbox commands: SELECT, EXAMINE (with CONDSTORE/QRESYNC), CREATE, DELETE, RENAME,
SUBSCRIBE, UNSUBSCRIBE (RFC 9051 §6.3.2-§6.3.8, RFC 7162, RFC 6154)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from servers.imap import responses
from servers.imap.engine import SEPARATOR, SPECIAL_USES, InvalidArgument, NotFound
from servers.imap.errors import Done, bad, no
from servers.imap.parse import (
    Create,
    Delete,
    QResync,
    Rename,
    Select,
    Subscribe,
    Unsubscribe,
)
from servers.imap.state import Selected
from servers.imap.view import MailboxView
from servers.imap.wire import ResponseCode, Status, encode

if TYPE_CHECKING:
    from servers.imap.engine import MailboxInfo
    from servers.imap.session import Session

PERMANENT_FLAGS = (*responses.SYSTEM_FLAGS, "\\*")


async def select(s: Session, cmd: Select) -> Done:
    """RFC 9051 §6.3.2 SELECT and §6.3.3 EXAMINE (authenticated, selected)."""
    if cmd.qresync is not None and not s.modes.qresync:
        raise bad("QRESYNC needs ENABLE QRESYNC first")  # RFC 7162 §3.2.5
    if cmd.condstore:
        s.enabled.add("CONDSTORE")  # RFC 7162 §3.1.8: a CONDSTORE enabling command
    await _close_current(s)
    view, info = await _open(s, cmd)
    if s.modes.rev2:
        view.recent = set()  # RFC 9051 has no \Recent
    s.state = Selected(s.account(), view)
    try:
        await _announce(s, view, info)
        if cmd.qresync is not None and cmd.qresync.uidvalidity == view.uidvalidity:
            await _qresync(s, view, cmd.qresync)
    except BaseException:
        s.close_mailbox()  # RFC 9051 §6.3.2: a SELECT that fails leaves nothing selected
        raise
    if view.readonly:
        return Done("EXAMINE completed", ResponseCode.READ_ONLY)
    return Done("SELECT completed", ResponseCode.READ_WRITE)


async def _close_current(s: Session) -> None:
    """RFC 9051 §6.3.2, RFC 7162 §3.2.11: selecting again closes the mailbox: ``[CLOSED]``."""
    if isinstance(s.state, Selected):
        s.close_mailbox()
        await s.write(
            encode.untagged_status(Status.OK, "previous mailbox closed", ResponseCode.CLOSED)
        )


async def _open(s: Session, cmd: Select) -> tuple[MailboxView, MailboxInfo]:
    try:
        return await MailboxView.open(
            s.store,
            s.shared.listener,
            s.account().id,
            cmd.mailbox,
            readonly=cmd.readonly,
            recent=not cmd.readonly and not s.modes.rev2,
        )
    except (NotFound, InvalidArgument):
        raise no(f"no mailbox {cmd.mailbox}", ResponseCode.NONEXISTENT) from None


async def _announce(s: Session, view: MailboxView, info: MailboxInfo) -> None:
    """The untagged data of RFC 9051 §6.3.2 (and RFC 3501 §6.3.1 for IMAP4rev1)."""
    modes = s.modes
    lines = [
        encode.untagged(b"FLAGS " + encode.flag_list(responses.SYSTEM_FLAGS)),
        responses.exists(view.count),
    ]
    if not modes.rev2:
        lines.append(responses.recent(len(view.recent)))
        first_unseen = await _first_unseen(s, view, info)
        if first_unseen:
            lines.append(_ok(ResponseCode.UNSEEN, str(first_unseen), "first unseen"))
    permanent = () if view.readonly else PERMANENT_FLAGS
    lines += [
        _ok(ResponseCode.PERMANENTFLAGS, encode.flag_list(permanent), "flags allowed"),
        _ok(ResponseCode.UIDVALIDITY, str(view.uidvalidity), "UIDs valid"),
        _ok(ResponseCode.UIDNEXT, str(view.uidnext), "predicted next UID"),
        _ok(ResponseCode.HIGHESTMODSEQ, str(view.modseq), "highest mod-sequence"),
    ]
    if modes.rev2:  # RFC 9051 §6.3.2: the mailbox name as the server spells it
        name = responses.mailbox(view.name, utf8=True)
        lines.append(encode.untagged(b'LIST () "' + SEPARATOR.encode() + b'" ' + name))
    for line in lines:
        await s.write(line)


def _ok(code: ResponseCode, data: str | bytes, text: str) -> bytes:
    return encode.untagged_status(Status.OK, text, code, data)


async def _first_unseen(s: Session, view: MailboxView, info: MailboxInfo) -> int | None:
    """RFC 3501 §6.3.1 ``[UNSEEN n]``: the sequence number of the first unseen message."""
    if info.unseen == 0 or not view.uids:
        return None
    if info.unseen >= info.messages:
        return 1
    # uids only grow, so every message at or below the view's last uid is in the view
    first = await s.store.messages.first_unseen(view.account_id, view.mailbox_id, view.uids[-1])
    return view.seq_of(first) if first is not None and view.contains(first) else None


async def _qresync(s: Session, view: MailboxView, q: QResync) -> None:
    """RFC 7162 §3.2.5.2: VANISHED (EARLIER) and FETCH for what changed since ``q.modseq``."""
    changes = await s.store.messages.changes_since(view.account_id, view.mailbox_id, q.modseq)
    vanished = changes.vanished
    if q.known_uids is not None:
        largest = max(vanished, default=0)
        vanished = [uid for uid in vanished if q.known_uids.contains(uid, largest)]
    if vanished:
        await s.write(responses.vanished(vanished, earlier=True))
    modes = s.modes
    for change in changes.changed:
        if view.contains(change.uid):
            await s.write(view.flags_update(change.uid, change.flags, change.modseq, modes))


async def create(s: Session, cmd: Create) -> None:
    """RFC 9051 §6.3.4 (authenticated, selected); USE from RFC 6154 §3."""
    name = cmd.mailbox.rstrip(SEPARATOR)  # a trailing separator only declares intent
    if not name:
        raise no("mailbox name is empty", ResponseCode.CANNOT)
    if name.upper() == "INBOX":
        raise no("INBOX exists", ResponseCode.ALREADYEXISTS)
    if len(cmd.special_use) > 1 or any(use not in SPECIAL_USES for use in cmd.special_use):
        raise no("one of " + " ".join(SPECIAL_USES) + " please", ResponseCode.USEATTR)
    special = cmd.special_use[0] if cmd.special_use else None
    await s.store.mailboxes.create(s.account().id, name, special)


async def delete(s: Session, cmd: Delete) -> None:
    """RFC 9051 §6.3.5 (authenticated, selected): deleting the selected mailbox closes it."""
    account = s.account()
    try:
        info = await s.store.mailboxes.get(account.id, cmd.mailbox)
    except InvalidArgument:
        raise no(f"no mailbox {cmd.mailbox}", ResponseCode.NONEXISTENT) from None
    await s.store.mailboxes.delete(account.id, info.name)
    match s.state:
        case Selected(_, view) if view.mailbox_id == info.id:
            await _close_current(s)


async def rename(s: Session, cmd: Rename) -> None:
    """RFC 9051 §6.3.6 (authenticated, selected); renaming INBOX moves its messages."""
    await s.store.mailboxes.rename(s.account().id, cmd.mailbox, cmd.new_name)
    match s.state:
        case Selected(_, view) if view.name == cmd.mailbox and view.name != "INBOX":
            view.name = cmd.new_name  # the same mailbox under its new name (INBOX stays)


async def subscribe(s: Session, cmd: Subscribe) -> None:
    """RFC 9051 §6.3.7 (authenticated, selected)."""
    await s.store.mailboxes.subscribe(s.account().id, cmd.mailbox)


async def unsubscribe(s: Session, cmd: Unsubscribe) -> None:
    """RFC 9051 §6.3.8 (authenticated, selected)."""
    await s.store.mailboxes.unsubscribe(s.account().id, cmd.mailbox)
