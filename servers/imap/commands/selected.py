"""Selected-state commands other than FETCH, STORE and SEARCH: CHECK, CLOSE, UNSELECT,
EXPUNGE, UID EXPUNGE, COPY and MOVE (RFC 9051 §6.4, RFC 4315 UIDPLUS, RFC 6851 MOVE)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from servers.imap.engine import InvalidArgument, NotFound
from servers.imap.errors import Done, no
from servers.imap.parse import Check, Close, Copy, Expunge, Move, SequenceArg, Unselect
from servers.imap.wire import ResponseCode, Status, encode

if TYPE_CHECKING:
    from servers.imap.engine import MailboxInfo
    from servers.imap.session import Session
    from servers.imap.view import MailboxView


def require_writable(view: MailboxView) -> None:
    """RFC 9051 §6.3.3: nothing changes a mailbox opened with EXAMINE."""
    if view.readonly:
        raise no("the mailbox is read-only", ResponseCode.READ_ONLY)


async def check(s: Session, cmd: Check) -> None:
    """RFC 3501 §6.4.1 (selected): a checkpoint is a NOOP here (every change is committed)."""


async def close(s: Session, cmd: Close) -> None:
    """RFC 9051 §6.4.1 (selected): expunge silently when read-write, then deselect."""
    selected = s.selected()
    if not selected.view.readonly:
        await s.store.messages.expunge(selected.account.id, selected.view.mailbox_id)
    s.close_mailbox()


async def unselect(s: Session, cmd: Unselect) -> None:
    """RFC 9051 §6.4.2 (selected): deselect without expunging."""
    s.close_mailbox()


async def expunge(s: Session, cmd: Expunge) -> Done | None:
    """RFC 9051 §6.4.3 EXPUNGE, RFC 4315 §2.1 UID EXPUNGE (selected).

    Under CONDSTORE the tagged OK carries the mailbox's new HIGHESTMODSEQ (RFC 7162, EXPUNGE),
    after every change up to it has been reported.
    """
    selected = s.selected()
    view = selected.view
    require_writable(view)
    uids = None
    if cmd.sequence is not None:
        uids = view.by_uid(cmd.sequence)
        if not uids:
            return None
    result = await s.store.messages.expunge(selected.account.id, view.mailbox_id, uids)
    lines = view.expunged(result.uids, s.modes)
    if s.modes.condstore:
        lines += await s.sync(expunge_ok=True)
    for line in lines:
        await s.write(line)
    if s.modes.condstore:
        return Done("EXPUNGE completed", ResponseCode.HIGHESTMODSEQ, str(view.modseq))
    return None


async def copy(s: Session, cmd: Copy) -> Done:
    """RFC 9051 §6.4.7 (selected); ``[COPYUID]`` from RFC 4315 §3."""
    return await _transfer(s, cmd.sequence, cmd.mailbox, cmd.uid, move=False)


async def move(s: Session, cmd: Move) -> Done:
    """RFC 6851 §3.3 (selected): ``* OK [COPYUID]``, the EXPUNGEs, then the tagged OK."""
    require_writable(s.selected().view)
    return await _transfer(s, cmd.sequence, cmd.mailbox, cmd.uid, move=True)


async def _transfer(
    s: Session, sequence: SequenceArg, mailbox: str, uid: bool, *, move: bool
) -> Done:
    selected = s.selected()
    view = selected.view
    uids = view.resolve(sequence, uid)
    target = await _target(s, mailbox)
    if target.id == view.mailbox_id:
        view.dirty = True  # the copies arrive in this very mailbox
    if not uids:
        return Done()
    result = await s.store.messages.copy(
        selected.account.id, view.mailbox_id, uids, target.id, move=move
    )
    if not result.pairs:
        return Done()
    copyuid = b"%d %s %s" % (
        result.uidvalidity,
        encode.sequence_set(source for source, _ in result.pairs),
        encode.sequence_set(dest for _, dest in result.pairs),
    )
    if not move:
        return Done("COPY completed", ResponseCode.COPYUID, copyuid)
    await s.write(encode.untagged_status(Status.OK, "moved", ResponseCode.COPYUID, copyuid))
    for line in view.expunged(result.expunged, s.modes):
        await s.write(line)
    return Done("MOVE completed")


async def _target(s: Session, mailbox: str) -> MailboxInfo:
    """RFC 9051 §6.4.7: a missing target is ``NO [TRYCREATE]``."""
    try:
        return await s.store.mailboxes.get(s.account().id, mailbox)
    except (NotFound, InvalidArgument):
        raise no(f"no mailbox {mailbox}", ResponseCode.TRYCREATE) from None
