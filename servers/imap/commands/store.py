"""STORE and UID STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3).

The engine changes only rows whose flags really change and gives them one new mod-sequence;
the session remembers it (``view.own``) so the next sync does not report them again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from servers.imap import responses
from servers.imap.commands.selected import require_writable
from servers.imap.engine import FlagOp, InvalidArgument, StoreResult
from servers.imap.errors import Done, bad
from servers.imap.parse import Store, StoreAction
from servers.imap.wire import ResponseCode, encode

if TYPE_CHECKING:
    from servers.imap.session import Session
    from servers.imap.view import MailboxView

_OPS = {
    StoreAction.REPLACE: FlagOp.SET,
    StoreAction.ADD: FlagOp.ADD,
    StoreAction.REMOVE: FlagOp.REMOVE,
}


async def store(s: Session, cmd: Store) -> Done:
    """RFC 9051 §6.4.6 (selected)."""
    selected = s.selected()
    view = selected.view
    require_writable(view)
    if cmd.unchangedsince is not None:
        await s.enable_condstore()
    uids = view.resolve(cmd.sequence, cmd.uid)
    if not uids:
        return Done()
    try:
        result = await s.store.messages.store_flags(
            selected.account.id,
            view.mailbox_id,
            uids,
            _OPS[cmd.action],
            cmd.flags,
            cmd.unchangedsince,
        )
    except InvalidArgument as exc:
        raise bad(str(exc)) from None
    if result.changed:
        view.own.add(result.highestmodseq)
    await _report(s, view, cmd, uids, result)
    if result.modified:  # RFC 7162 §3.1.3: the messages that failed the test
        numbers = result.modified if cmd.uid else [view.seq_of(uid) for uid in result.modified]
        return Done("conditional STORE failed", ResponseCode.MODIFIED, encode.sequence_set(numbers))
    return Done()


async def _report(
    s: Session, view: MailboxView, cmd: Store, uids: list[int], result: StoreResult
) -> None:
    """The FETCH responses: new FLAGS of every message (RFC 9051 §6.4.6), unless .SILENT.

    Under CONDSTORE even a .SILENT STORE reports the new MODSEQ of each changed message
    (RFC 7162 §3.1.3); messages that failed UNCHANGEDSINCE get no FETCH.
    """
    modes = s.modes
    if cmd.silent and not modes.condstore:
        return
    current = {change.uid: (change.flags, change.modseq) for change in result.changed}
    if not cmd.silent:
        skip = set(current) | set(result.modified)
        unchanged = [uid for uid in uids if uid not in skip]
        if unchanged:  # flags already as asked: still reported, as they are
            async for row in s.store.messages.fetch(view.account_id, view.mailbox_id, unchanged):
                current[row.uid] = (row.flags, row.modseq)
    for uid in uids:
        if uid not in current:
            continue
        flags, modseq = current[uid]
        items = [responses.uid_item(uid)]
        if not cmd.silent:
            items.insert(0, responses.flags_item(flags, not modes.rev2 and view.is_recent(uid)))
        if modes.condstore:
            items.append(responses.modseq_item(modseq))
        await s.write(responses.fetch(view.seq_of(uid), items))
