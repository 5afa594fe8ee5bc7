"""The selected mailbox as one session sees it, and the updates that keep it in step.

Sequence numbers are session state (STYLE.md point 7): ``uids`` is the sorted list of the UIDs
this client knows, so message ``n`` is ``uids[n - 1]``. Other sessions and processes change
the mailbox at any time; the engine's change listener marks the view ``dirty`` and the session
calls ``sync`` at command boundaries (RFC 9051 §7: EXISTS, EXPUNGE, FETCH FLAGS) and while
idling (RFC 2177).

``sync`` asks the engine what changed since ``modseq`` (``changes_since``), the highest
mod-sequence this session has accounted for:

* new UIDs beyond the last known one become ``* n EXISTS`` (and ``* n RECENT`` for IMAP4rev1);
  commits are in UID order, so everything up to the last known UID is already in the list;
* expunged UIDs become ``* n EXPUNGE`` -- or ``* VANISHED uid-set`` once QRESYNC is enabled
  (RFC 7162 §3.2.10) -- but not while a FETCH, STORE or SEARCH by sequence number runs
  (RFC 9051 §7.5.1): they wait in ``pending`` and keep their sequence numbers until then;
* other changed messages become ``* n FETCH (FLAGS (...) UID u [MODSEQ (m)])``, except the
  ones whose mod-sequence is one of ``own``: flag changes this session made and already
  reported in its STORE or FETCH responses.

``modseq`` advances to the larger of the mailbox's HIGHESTMODSEQ read *before* the changes and
the highest mod-sequence among the changed rows. Both are safe: a mailbox's changes commit in
mod-sequence order (they are serialised on the mailbox row), so every change at or below either
number was visible to the queries.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from servers.imap import responses
from servers.imap.engine import Change, ChangeListener, MailboxInfo, NotFound, Store
from servers.imap.errors import bad
from servers.imap.parse import SavedResult, SequenceArg

__all__ = ["MailboxGone", "MailboxView", "Modes"]


@dataclass(frozen=True)
class Modes:
    """What the client has enabled that changes the form of updates (RFC 5161 ENABLE)."""

    condstore: bool = False  # RFC 7162 §3.1: MODSEQ in every unsolicited FETCH
    qresync: bool = False  # RFC 7162 §3.2.10: VANISHED instead of EXPUNGE
    rev2: bool = False  # RFC 9051: no \Recent, no RECENT response
    utf8: bool = False  # RFC 6855 / RFC 9051: UTF-8 mailbox names and quoted strings


class MailboxGone(Exception):
    """The selected mailbox was deleted (by this or another session)."""


class MailboxView:
    """UIDs, \\Recent, the SEARCHRES result and the sync state of one selected mailbox."""

    def __init__(self, account_id: int, info: MailboxInfo, *, readonly: bool) -> None:
        self.account_id = account_id
        self.mailbox_id = info.id
        self.name = info.name
        self.uidvalidity = info.uidvalidity
        self.readonly = readonly
        self.uids: list[int] = []
        self.recent: set[int] = set()
        self.modseq = info.highestmodseq
        self.uidnext = info.uidnext
        self.pending: set[int] = set()
        self.own: set[int] = set()
        self.saved: list[int] = []  # RFC 5182 "$", as UIDs
        self.dirty = False
        self.wake = asyncio.Event()
        self._unsubscribe: Callable[[], None] | None = None

    @classmethod
    async def open(
        cls,
        store: Store,
        listener: ChangeListener,
        account_id: int,
        name: str,
        *,
        readonly: bool,
        recent: bool,
    ) -> tuple[MailboxView, MailboxInfo]:
        """Select ``name``: listen first, then read, so no change falls between the two.

        ``recent`` claims \\Recent for the messages no other session has seen (RFC 3501
        §2.3.2); without it (EXAMINE) the unclaimed ones are shown as recent, unclaimed.
        """
        info = await store.mailboxes.get(account_id, name)
        view = cls(account_id, info, readonly=readonly)
        view.attach(listener)
        try:
            info = await store.mailboxes.get_by_id(account_id, info.id)
            uids = await store.messages.uids(account_id, info.id)
            uidnext = max(info.uidnext, uids[-1] + 1 if uids else 1)
            first_recent = info.first_recent_uid
            if recent:
                first_recent = await store.mailboxes.claim_recent(account_id, info.id, uidnext)
        except BaseException:
            view.detach()
            raise
        view.uids = uids
        view.recent = {uid for uid in uids if uid >= first_recent}
        view.modseq = info.highestmodseq
        view.uidnext = uidnext
        return view, info

    # -- change notifications --------------------------------------------------------------
    def attach(self, listener: ChangeListener) -> None:
        self._unsubscribe = listener.subscribe(self.account_id, self.mailbox_id, self._notified)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _notified(self, change: Change) -> None:
        self.dirty = True
        self.wake.set()

    # -- sequence numbers ------------------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self.uids)

    def contains(self, uid: int) -> bool:
        i = bisect_left(self.uids, uid)
        return i < len(self.uids) and self.uids[i] == uid

    def seq_of(self, uid: int) -> int:
        """The sequence number of a known UID."""
        return bisect_left(self.uids, uid) + 1

    def by_seq(self, sequence: SequenceArg) -> list[int]:
        """UIDs of a sequence-number set, ascending; BAD for numbers past the end (RFC 9051 §9)."""
        if isinstance(sequence, SavedResult):
            return self.saved_uids()
        n = len(self.uids)
        for low, high in sequence.ranges:
            if low is not None and high is not None and max(low, high) > n:
                raise bad("invalid message sequence number")
        out: list[int] = []
        for first, last in sequence.resolve(n):
            out.extend(self.uids[first - 1 : last])
        return out

    def by_uid(self, sequence: SequenceArg) -> list[int]:
        """Known UIDs in a UID set, ascending; ``*`` is the highest UID (RFC 9051 §6.4.9)."""
        if isinstance(sequence, SavedResult):
            return self.saved_uids()
        largest = self.uids[-1] if self.uids else 0
        out: list[int] = []
        for first, last in sequence.resolve(largest):
            out.extend(self.uids[bisect_left(self.uids, first) : bisect_right(self.uids, last)])
        return out

    def resolve(self, sequence: SequenceArg, uid: bool) -> list[int]:
        return self.by_uid(sequence) if uid else self.by_seq(sequence)

    def saved_uids(self) -> list[int]:
        """RFC 5182 §2.1: ``$`` without the messages expunged since it was saved."""
        return [uid for uid in self.saved if self.contains(uid)]

    def is_recent(self, uid: int) -> bool:
        return uid in self.recent

    # -- updates ---------------------------------------------------------------------------
    def expunged(self, uids: Iterable[int], modes: Modes) -> list[bytes]:
        """Drop known ``uids`` (and pending expunges); the EXPUNGE or VANISHED lines to send."""
        gone = {uid for uid in uids if self.contains(uid)} | self.pending
        self.pending = set()
        if not gone:
            return []
        ordered = sorted(gone)
        if modes.qresync:
            lines = [responses.vanished(ordered)]
        else:  # each EXPUNGE renumbers the messages after it (RFC 9051 §7.5.1)
            lines = [responses.expunge(self.seq_of(uid) - k) for k, uid in enumerate(ordered)]
        self.uids = [uid for uid in self.uids if uid not in gone]
        self.recent -= gone
        return lines

    async def sync(self, store: Store, modes: Modes, *, expunge_ok: bool) -> list[bytes]:
        """Catch up with the mailbox; the untagged lines to send (see the module docstring)."""
        self.dirty = False
        self.wake.clear()
        try:
            info = await store.mailboxes.get_by_id(self.account_id, self.mailbox_id)
        except NotFound:
            raise MailboxGone() from None
        changes = await store.messages.changes_since(self.account_id, self.mailbox_id, self.modseq)
        last = self.uids[-1] if self.uids else 0
        self.pending.update(uid for uid in changes.vanished if uid <= last and self.contains(uid))
        lines = self.expunged((), modes) if expunge_ok else []
        new = sorted(change.uid for change in changes.changed if change.uid > last)
        if new:
            lines += await self._arrived(store, info, new, modes)
        for change in changes.changed:
            if change.uid > last or change.modseq in self.own or change.uid in self.pending:
                continue
            if self.contains(change.uid):
                lines.append(self.flags_update(change.uid, change.flags, change.modseq, modes))
        highest = max((change.modseq for change in changes.changed), default=0)
        self.modseq = max(self.modseq, info.highestmodseq, highest)
        self.own = {modseq for modseq in self.own if modseq > self.modseq}
        self.uidnext = max(self.uidnext, info.uidnext)
        return lines

    async def _arrived(
        self, store: Store, info: MailboxInfo, new: list[int], modes: Modes
    ) -> list[bytes]:
        """RFC 9051 §7.4.1 EXISTS; RFC 3501 §7.3.2 RECENT, claiming \\Recent unless read-only."""
        self.uids.extend(new)
        self.uidnext = max(self.uidnext, new[-1] + 1)
        lines = [responses.exists(len(self.uids))]
        if modes.rev2:
            return lines
        if self.readonly:  # EXAMINE does not take \Recent (RFC 3501 §6.3.2)
            first = info.first_recent_uid
        else:
            first = await store.mailboxes.claim_recent(
                self.account_id, self.mailbox_id, new[-1] + 1
            )
        self.recent.update(uid for uid in new if uid >= first)
        lines.append(responses.recent(len(self.recent)))
        return lines

    def flags_update(self, uid: int, flags: Iterable[str], modseq: int, modes: Modes) -> bytes:
        """An unsolicited ``FETCH (FLAGS ...)``, with UID and, under CONDSTORE, MODSEQ."""
        items = [
            responses.flags_item(flags, not modes.rev2 and uid in self.recent),
            responses.uid_item(uid),
        ]
        if modes.condstore:
            items.append(responses.modseq_item(modseq))
        return responses.fetch(self.seq_of(uid), items)
