"""The engine API: typed async services over PostgreSQL. ``servers/`` calls only these.

store = await Store.open(url)
account = await store.directory.authenticate("bob@example.org", "secret")
box = await store.mailboxes.get(account.id, "INBOX")
async for row in store.messages.fetch(account.id, box.id, [1, 2], envelope=True): ...
"""

from __future__ import annotations

from collections.abc import Sequence

from mailstore.errors import MailstoreError
from mailstore.store.db import Database
from mailstore.store.directory import Account, Alias, Directory, Domain, Resolution
from mailstore.store.indexer import Indexer
from mailstore.store.ingest import Incoming, Ingest, Stored, Target, prepare
from mailstore.store.locks import Locks
from mailstore.store.mailboxes import Mailboxes, MailboxInfo
from mailstore.store.maillog import Reception
from mailstore.store.messages import (
    Changes,
    CopyResult,
    ExpungeResult,
    FlagChange,
    FlagOp,
    MessageRow,
    Messages,
    SortKey,
    StoreResult,
    ThreadInfo,
)
from mailstore.store.notify import Change, ChangeListener
from mailstore.store.passwords import Passwords
from mailstore.store.queue import OutboundCopy, Queue, QueuedMessage


class Store:
    """All engine services over one pool."""

    def __init__(self, db: Database, passwords: Passwords):
        self.db = db
        self.directory = Directory(db, passwords)
        self.mailboxes = Mailboxes(db)
        self.messages = Messages(db)
        self.ingest = Ingest(db)
        self.queue = Queue(db)
        self.indexer = Indexer(db)
        self.locks = Locks(db)

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        min_size: int = 2,
        max_size: int = 10,
        passwords: Passwords | None = None,
        enforce_durability: bool = True,
    ) -> Store:
        db = await Database.connect(
            url, min_size=min_size, max_size=max_size, enforce_durability=enforce_durability
        )
        return cls(db, passwords or Passwords())

    async def deliver_and_queue(
        self,
        message: Incoming,
        targets: Sequence[Target],
        outbound: OutboundCopy,
        reception: Reception | None = None,
    ) -> list[Stored | MailstoreError]:
        """Local copies and the queue entry for the remote recipients in ONE transaction, so a
        failure can never leave the local copies committed without the queue entry (the
        client's retry would then duplicate them). When no local copy can be stored (all over
        quota, say) the queue entry is committed alone. Per-target results as in
        :meth:`Ingest.deliver`."""
        items = [(message, t) for t in targets]
        results = await self.ingest.store(
            items,
            [(0, len(items), reception)] if reception is not None and items else [],
            also=lambda conn: self.queue.enqueue_in(conn, outbound, message),
        )
        if not any(isinstance(r, Stored) for r in results):
            await self.queue.enqueue(
                outbound.sender,
                list(outbound.recipients),
                message,
                account_id=outbound.account_id,
                params=dict(outbound.params),
                reception=reception,
            )
        return results

    async def listener(self) -> ChangeListener:
        """A started LISTEN connection for this process (close it when done)."""
        listener = ChangeListener(self.db.url)
        await listener.start()
        return listener

    async def close(self) -> None:
        await self.db.close()


__all__ = [
    "Account",
    "Alias",
    "Change",
    "ChangeListener",
    "Changes",
    "CopyResult",
    "Database",
    "Directory",
    "Domain",
    "ExpungeResult",
    "FlagChange",
    "FlagOp",
    "Incoming",
    "Indexer",
    "Ingest",
    "Locks",
    "MailboxInfo",
    "Mailboxes",
    "MessageRow",
    "Messages",
    "OutboundCopy",
    "Passwords",
    "Queue",
    "QueuedMessage",
    "Resolution",
    "SortKey",
    "Store",
    "StoreResult",
    "Stored",
    "Target",
    "ThreadInfo",
    "prepare",
]
