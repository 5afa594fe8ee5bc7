"""SEARCH (RFC 9051 §6.4.4) with ESEARCH (RFC 4731), SEARCHRES (RFC 5182) and MODSEQ
(RFC 7162 §3.1.5); SORT and THREAD (RFC 5256). Each is one engine query (``criteria.py``).

Results are limited to the messages the client knows: a message that arrived after the last
EXISTS has a higher UID than every message of the view and is left out until announced.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from servers.imap import threading
from servers.imap.criteria import translate, uses_modseq
from servers.imap.engine import MailstoreError, ThreadInfo
from servers.imap.engine import SortKey as EngineSortKey
from servers.imap.parse import Search, SearchReturn, Sort, Thread, ThreadAlgorithm
from servers.imap.wire import encode

if TYPE_CHECKING:
    from servers.imap.session import Session
    from servers.imap.state import Selected
    from servers.imap.view import MailboxView

_MSG_ID = re.compile(r"<[^<>]*>")


async def search(s: Session, cmd: Search) -> None:
    """RFC 9051 §6.4.4 (selected)."""
    selected = s.selected()
    view = selected.view
    returns = cmd.returns
    if returns is None and s.modes.rev2:
        returns = (SearchReturn.ALL,)  # RFC 9051 §6.4.4: IMAP4rev2 answers with ESEARCH
    try:
        uids = await _matching(s, selected, cmd)
    except MailstoreError:
        if returns is not None and SearchReturn.SAVE in returns:
            view.saved = []  # RFC 5182 §2.1: a failed SEARCH (SAVE) leaves $ empty
        raise
    modseq = await _highest_modseq(s, view, uids) if uses_modseq(cmd.criteria) else None
    numbers = uids if cmd.uid else [view.seq_of(uid) for uid in uids]
    if returns is None:
        data = b"SEARCH" + b"".join(b" %d" % number for number in numbers)
        if modseq is not None:
            data += b" (MODSEQ %d)" % modseq
        await s.write(encode.untagged(data))
        return
    options = set(returns) or {SearchReturn.ALL}  # RFC 4731 §3.1: RETURN () means ALL
    if SearchReturn.SAVE in options:
        view.saved = _saved(options, uids)
        if options == {SearchReturn.SAVE}:
            return  # RFC 5182 §2.4: SAVE alone gives no ESEARCH response
    await s.write(_esearch(cmd, options, numbers, modseq))


async def _matching(s: Session, selected: Selected, cmd: Search) -> list[int]:
    view = selected.view
    if uses_modseq(cmd.criteria):
        await s.enable_condstore()
    criteria = translate(cmd.criteria, view)
    uids = await s.store.messages.search(selected.account.id, view.mailbox_id, criteria)
    return _known(view, uids)


def _known(view: MailboxView, uids: list[int]) -> list[int]:
    last = view.uids[-1] if view.uids else 0
    return [uid for uid in uids if uid <= last]


async def _highest_modseq(s: Session, view: MailboxView, uids: list[int]) -> int | None:
    """RFC 7162 §3.1.5: the highest mod-sequence of the messages found."""
    highest = None
    async for row in s.store.messages.fetch(view.account_id, view.mailbox_id, uids):
        highest = row.modseq if highest is None else max(highest, row.modseq)
    return highest


def _saved(options: set[SearchReturn], uids: list[int]) -> list[int]:
    """RFC 5182 §2.4: with only MIN and/or MAX, only those are saved."""
    if (
        not uids
        or options & {SearchReturn.ALL, SearchReturn.COUNT}
        or options == {SearchReturn.SAVE}
    ):
        return uids
    saved = []
    if SearchReturn.MIN in options:
        saved.append(uids[0])
    if SearchReturn.MAX in options:
        saved.append(uids[-1])
    return sorted(set(saved))


def _esearch(
    cmd: Search, options: set[SearchReturn], numbers: list[int], modseq: int | None
) -> bytes:
    """RFC 4731 §3.1: ``* ESEARCH (TAG "t") [UID] MIN n MAX n ALL set COUNT n``."""
    data = [b"ESEARCH (TAG " + encode.quoted(cmd.tag) + b")"]
    if cmd.uid:
        data.append(b"UID")
    if numbers and SearchReturn.MIN in options:
        data.append(b"MIN %d" % min(numbers))
    if numbers and SearchReturn.MAX in options:
        data.append(b"MAX %d" % max(numbers))
    if numbers and SearchReturn.ALL in options:
        data.append(b"ALL " + encode.sequence_set(numbers))
    if SearchReturn.COUNT in options:
        data.append(b"COUNT %d" % len(numbers))
    if modseq is not None and numbers:
        data.append(b"MODSEQ %d" % modseq)
    return encode.untagged(b" ".join(data))


async def sort(s: Session, cmd: Sort) -> None:
    """RFC 5256 §3 SORT (selected); DISPLAYFROM/DISPLAYTO from RFC 5957."""
    selected = s.selected()
    view = selected.view
    criteria = translate(cmd.criteria, view)
    keys = [(EngineSortKey[criterion.key.name], criterion.reverse) for criterion in cmd.order]
    uids = await s.store.messages.sort(selected.account.id, view.mailbox_id, criteria, keys)
    uids = _known(view, uids)
    numbers = uids if cmd.uid else [view.seq_of(uid) for uid in uids]
    await s.write(encode.untagged(b"SORT" + b"".join(b" %d" % number for number in numbers)))


async def thread(s: Session, cmd: Thread) -> None:
    """RFC 5256 §3 THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (selected)."""
    selected = s.selected()
    view = selected.view
    criteria = translate(cmd.criteria, view)
    infos = await s.store.messages.thread_data(selected.account.id, view.mailbox_id, criteria)
    known = set(_known(view, [info.uid for info in infos]))
    messages = [_thread_message(view, info, cmd.uid) for info in infos if info.uid in known]
    if cmd.algorithm is ThreadAlgorithm.ORDEREDSUBJECT:
        roots = threading.ordered_subject(messages)
    else:
        roots = threading.references(messages)
    await s.write(encode.untagged(b" ".join(filter(None, (b"THREAD", threading.format(roots))))))


def _thread_message(view: MailboxView, info: ThreadInfo, uid: bool) -> threading.ThreadMessage:
    in_reply_to = _MSG_ID.search(info.in_reply_to or "")
    message_id = _MSG_ID.search(info.message_id or "")
    return threading.ThreadMessage(
        number=info.uid if uid else view.seq_of(info.uid),
        message_id=message_id.group() if message_id else "",
        in_reply_to=in_reply_to.group() if in_reply_to else "",
        references=tuple(info.references),
        subject=info.sort_subject,
        date=info.date,
        # the engine keeps only the base subject: a message with parents counts as a reply
        is_reply=bool(info.in_reply_to or info.references),
    )
