"""Ingest: the one transaction that stores new messages (delivery, APPEND, import).

SMTP, LMTP, submission, IMAP APPEND and the importers all come through :meth:`Ingest.store`,
so "acknowledged means committed" is implemented once (STYLE point 6): the call returns only
after COMMIT returned, with every accepted copy stored and one body for all of them.

Within the transaction, locks are taken in the engine's order: account rows (quota), mailbox
rows (uid and modseq assignment, counters), body rows.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg

from mailstore import failpoints
from mailstore.errors import InvalidArgument, MailstoreError, NotFound, OverQuota
from mailstore.message import ParsedMessage, parse_message
from mailstore.schema import DELETED, SEEN
from mailstore.store.bodies import preload_body, reference_body
from mailstore.store.db import Database, notify
from mailstore.store.flags import split_flags
from mailstore.store.mailboxes import canonical_name
from mailstore.store.maillog import LoggedReception, Reception, log_receptions

#: Messages larger than this are parsed in a worker thread so the event loop stays responsive.
THREAD_PARSE_THRESHOLD = 256 * 1024


@dataclass(frozen=True, slots=True)
class Target:
    """One copy to store: an account, a mailbox in it, and initial flags."""

    account_id: int
    mailbox: str = "INBOX"
    flags: tuple[str, ...] = ()
    #: When the mailbox does not exist: fall back to INBOX (delivery) or fail (APPEND).
    fallback_to_inbox: bool = True


@dataclass(frozen=True, slots=True)
class Stored:
    account_id: int
    mailbox_id: int
    mailbox: str
    uidvalidity: int
    uid: int


@dataclass(slots=True)
class Incoming:
    """A parsed message on its way in."""

    raw: bytes
    parsed: ParsedMessage
    internal_date: datetime = field(default_factory=lambda: datetime.now(UTC))


async def prepare(raw: bytes, internal_date: datetime | None = None) -> Incoming:
    """Parse once (in a thread for large messages) before any transaction starts."""
    if len(raw) > THREAD_PARSE_THRESHOLD:
        parsed = await asyncio.to_thread(parse_message, raw)
    else:
        parsed = parse_message(raw)
    date = internal_date or datetime.now(UTC)
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return Incoming(raw, parsed, date)


class _NothingStored(Exception):
    """Every target failed: roll the transaction back (no orphan body is left)."""

    def __init__(self, failed: dict[int, MailstoreError]):
        super().__init__("nothing stored")
        self.failed = failed


@dataclass(slots=True)
class _Copy:
    index: int  # position in the caller's list of (message, target) pairs
    message: Incoming
    target: Target
    mask: int
    keywords: list[str]
    mailbox_id: int = 0
    mailbox: str = ""
    uidvalidity: int = 0
    uid: int = 0
    modseq: int = 0


#: Group commit: deliveries waiting while a transaction commits are stored together in the
#: next one, up to this many copies or bytes.
GROUP_MAX_COPIES = 256
GROUP_MAX_BYTES = 16 * 1024 * 1024


@dataclass(slots=True)
class _Pending:
    items: list[tuple[Incoming, Target]]
    done: asyncio.Future[list[Stored | MailstoreError]]
    reception: Reception | None = None


class Ingest:
    def __init__(self, db: Database):
        self.db = db
        self._pending: list[_Pending] = []
        self._committer: asyncio.Task[None] | None = None

    async def deliver(
        self, message: Incoming, targets: Sequence[Target], reception: Reception | None = None
    ) -> list[Stored | MailstoreError]:
        """Store one message for several recipients in ONE transaction (one body for all).

        Returns a result per target: :class:`Stored`, or the error for that target alone
        (:class:`OverQuota`, :class:`NotFound`); the others are still stored (LMTP's
        per-recipient replies). Returns only after COMMIT.

        Group commit: while one delivery transaction commits, deliveries that arrive meanwhile
        wait and then go together in the next transaction, so concurrent deliveries (many SMTP
        connections into one mailbox) share the row locks and the WAL flush instead of queueing
        on them one by one. Each caller still gets its answer only after its COMMIT.

        ``reception`` describes the transaction for the mail log: when any copy is stored, its
        ``received_log`` row is written in the same transaction (:mod:`.maillog`).
        """
        items = [(message, t) for t in targets]
        if not items:
            return []
        done: asyncio.Future[list[Stored | MailstoreError]] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending.append(_Pending(items, done, reception))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_pending(), name="ingest-group")
        return await done

    async def _commit_pending(self) -> None:
        while self._pending:
            group: list[_Pending] = []
            copies = size = 0
            while self._pending and (
                not group
                or (
                    copies + len(self._pending[0].items) <= GROUP_MAX_COPIES
                    and size + len(self._pending[0].items[0][0].raw) <= GROUP_MAX_BYTES
                )
            ):
                p = self._pending.pop(0)
                group.append(p)
                copies += len(p.items)
                size += len(p.items[0][0].raw)
            try:
                results = await self.store(
                    [item for p in group for item in p.items], _reception_spans(group)
                )
            except BaseException as exc:  # the whole transaction failed: every caller hears it
                for p in group:
                    if not p.done.done():
                        p.done.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            offset = 0
            for p in group:
                if not p.done.done():
                    p.done.set_result(results[offset : offset + len(p.items)])
                offset += len(p.items)

    async def append(
        self, account_id: int, mailbox: str, message: Incoming, flags: Sequence[str] = ()
    ) -> Stored:
        """IMAP APPEND: store into an existing mailbox or raise (NotFound, OverQuota)."""
        target = Target(account_id, mailbox, tuple(flags), fallback_to_inbox=False)
        (result,) = await self.store([(message, target)])
        if isinstance(result, MailstoreError):
            raise result
        return result

    async def store(
        self,
        items: Sequence[tuple[Incoming, Target]],
        receptions: Sequence[tuple[int, int, Reception]] = (),
        also: Callable[[asyncpg.Connection], Awaitable[object]] | None = None,
    ) -> list[Stored | MailstoreError]:
        """Store many (message, target) pairs in one transaction; see :meth:`deliver`.

        ``receptions``: (start, stop, reception) for the items ``[start:stop]`` of one delivery,
        logged with the copies of it that were stored. ``also`` runs in the same transaction
        when at least one copy is stored (then some result is :class:`Stored`), before COMMIT.
        """
        copies: list[_Copy] = []
        results: list[Stored | MailstoreError | None] = [None] * len(items)
        for index, (message, target) in enumerate(items):
            try:
                mask, keywords = split_flags(target.flags)
                canonical_name(target.mailbox)
            except InvalidArgument as exc:
                results[index] = exc
                continue
            copies.append(_Copy(index, message, target, mask, keywords))

        async def work(conn: asyncpg.Connection) -> list[_Copy]:
            failed: dict[int, MailstoreError] = {}
            # new bodies first, outside any row lock: the locks below are then held only for
            # a few short statements and the COMMIT (DESIGN principle 7 keeps that durable)
            fresh = await self._preload_bodies(conn, copies)
            accepted = await self._resolve_mailboxes(conn, copies, failed)
            accepted = await self._reserve_quota(conn, accepted, failed)
            if not accepted:
                raise _NothingStored(failed)
            await self._assign_uids(conn, accepted)
            body_ids = await self._insert(conn, accepted, fresh)
            await log_receptions(conn, _logged(receptions, accepted, body_ids))
            if also is not None:
                await also(conn)
            failpoints.hit("deliver-before-commit")  # crash harness: rows in, not committed
            for index, error in failed.items():
                results[index] = error
            return accepted

        if copies:
            failpoints.hit("deliver-before-begin")  # crash harness: nothing written yet
            try:
                stored = await self.db.run(work)
            except _NothingStored as nothing:
                for index, error in nothing.failed.items():
                    results[index] = error
                stored = []
            for c in stored:
                results[c.index] = Stored(
                    c.target.account_id, c.mailbox_id, c.mailbox, c.uidvalidity, c.uid
                )
        return [r if r is not None else NotFound("not stored") for r in results]

    async def _preload_bodies(
        self, conn: asyncpg.Connection, copies: list[_Copy]
    ) -> dict[bytes, tuple[int, int]]:
        """Insert new bodies with a reference per copy; sha256 -> (id, references given)."""
        by_body: dict[bytes, list[_Copy]] = defaultdict(list)
        for c in copies:
            by_body[c.message.parsed.sha256].append(c)
        fresh: dict[bytes, tuple[int, int]] = {}
        for sha in sorted(by_body):
            group = by_body[sha]
            body_id = await preload_body(
                conn, group[0].message.raw, group[0].message.parsed, len(group)
            )
            if body_id is not None:
                fresh[sha] = (body_id, len(group))
        return fresh

    async def _reserve_quota(
        self, conn: asyncpg.Connection, copies: list[_Copy], failed: dict[int, MailstoreError]
    ) -> list[_Copy]:
        by_account: dict[int, list[_Copy]] = defaultdict(list)
        for c in copies:
            by_account[c.target.account_id].append(c)
        accepted: list[_Copy] = []
        for account_id in sorted(by_account):
            group = by_account[account_id]
            size = sum(c.message.parsed.size for c in group)
            ok = await conn.fetchval(
                "UPDATE accounts SET used_bytes = used_bytes + $2 WHERE id = $1 AND "
                "(quota_bytes IS NULL OR used_bytes + $2 <= quota_bytes) RETURNING 1",
                account_id,
                size,
            )
            if ok:
                accepted.extend(group)
                continue
            exists = await conn.fetchval("SELECT 1 FROM accounts WHERE id = $1", account_id)
            error: MailstoreError = (
                OverQuota("mailbox is full") if exists else NotFound("no such account")
            )
            for c in group:
                failed[c.index] = error
        return accepted

    async def _resolve_mailboxes(
        self, conn: asyncpg.Connection, copies: list[_Copy], failed: dict[int, MailstoreError]
    ) -> list[_Copy]:
        wanted = {(c.target.account_id, canonical_name(c.target.mailbox)) for c in copies}
        wanted |= {(c.target.account_id, "INBOX") for c in copies if c.target.fallback_to_inbox}
        rows = await conn.fetch(
            "SELECT m.account_id, m.name, m.id FROM mailboxes m "
            "JOIN unnest($1::bigint[], $2::text[]) AS w(account_id, name) "
            "ON m.account_id = w.account_id AND m.name = w.name",
            [a for a, _ in wanted],
            [n for _, n in wanted],
        )
        ids = {(r["account_id"], r["name"]): r["id"] for r in rows}
        accepted = []
        for c in copies:
            name = canonical_name(c.target.mailbox)
            key = (c.target.account_id, name)
            if key not in ids and c.target.fallback_to_inbox:
                key = (c.target.account_id, "INBOX")
            if key in ids:
                c.mailbox_id, c.mailbox = ids[key], key[1]
                accepted.append(c)
            elif await conn.fetchval("SELECT 1 FROM accounts WHERE id = $1", c.target.account_id):
                failed[c.index] = NotFound(f"no mailbox {name}")
            else:
                failed[c.index] = NotFound("no such account")
        return accepted

    async def _assign_uids(self, conn: asyncpg.Connection, copies: list[_Copy]) -> None:
        by_mailbox: dict[tuple[int, int], list[_Copy]] = defaultdict(list)
        for c in copies:
            by_mailbox[(c.target.account_id, c.mailbox_id)].append(c)
        for (account_id, mailbox_id), group in sorted(by_mailbox.items()):
            n = len(group)
            unseen = sum(1 for c in group if not c.mask & SEEN)
            deleted = sum(1 for c in group if c.mask & DELETED)
            size = sum(c.message.parsed.size for c in group)
            row = await conn.fetchrow(
                "UPDATE mailboxes SET uidnext = uidnext + $3, highestmodseq = highestmodseq + 1, "
                "messages = messages + $3, unseen = unseen + $4, deleted = deleted + $5, "
                "size = size + $6 WHERE account_id = $1 AND id = $2 "
                "RETURNING uidnext - $3 AS first_uid, highestmodseq, uidvalidity",
                account_id,
                mailbox_id,
                n,
                unseen,
                deleted,
                size,
            )
            for offset, c in enumerate(group):
                c.uid = row["first_uid"] + offset
                c.modseq = row["highestmodseq"]
                c.uidvalidity = row["uidvalidity"]
            await notify(conn, account_id, mailbox_id, row["highestmodseq"], "exists")

    async def _insert(
        self, conn: asyncpg.Connection, copies: list[_Copy], fresh: dict[bytes, tuple[int, int]]
    ) -> dict[bytes, int]:
        """Insert the message rows; returns the body id of each sha256."""
        by_body: dict[bytes, list[_Copy]] = defaultdict(list)
        for c in copies:
            by_body[c.message.parsed.sha256].append(c)
        body_ids: dict[bytes, int] = {}
        for sha in sorted(by_body):
            group = by_body[sha]
            if sha in fresh:
                body_id, given = fresh[sha]
                body_ids[sha] = body_id
                if given != len(group):  # some copies failed (quota, no mailbox)
                    await conn.execute(
                        "UPDATE bodies SET refcount = $2 WHERE id = $1", body_id, len(group)
                    )
                continue
            body_ids[sha] = await reference_body(
                conn, group[0].message.raw, group[0].message.parsed, len(group)
            )
        # a new body none of whose copies was accepted (every target over quota, say) goes
        unused = [body_id for sha, (body_id, _) in fresh.items() if sha not in by_body]
        if unused:
            await conn.execute("DELETE FROM bodies WHERE id = ANY($1::bigint[])", unused)
        await conn.executemany(
            "INSERT INTO messages (account_id, mailbox_id, uid, body_id, flags, keywords, modseq, "
            "internal_date, size) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            [
                (
                    c.target.account_id,
                    c.mailbox_id,
                    c.uid,
                    body_ids[c.message.parsed.sha256],
                    c.mask,
                    c.keywords,
                    c.modseq,
                    c.message.internal_date,
                    c.message.parsed.size,
                )
                for c in copies
            ],
        )
        return body_ids


def _reception_spans(group: Sequence[_Pending]) -> list[tuple[int, int, Reception]]:
    """Where each grouped delivery's items lie in the flattened list, with its reception."""
    spans, offset = [], 0
    for p in group:
        if p.reception is not None:
            spans.append((offset, offset + len(p.items), p.reception))
        offset += len(p.items)
    return spans


def _logged(
    receptions: Sequence[tuple[int, int, Reception]],
    accepted: Sequence[_Copy],
    body_ids: dict[bytes, int],
) -> list[LoggedReception]:
    """The log rows of the deliveries that stored at least one copy."""
    rows = []
    for start, stop, reception in receptions:
        stored = [c for c in accepted if start <= c.index < stop]
        if stored:
            parsed = stored[0].message.parsed
            rows.append(
                LoggedReception(
                    reception,
                    [c.target.account_id for c in stored],
                    body_ids[parsed.sha256],
                    parsed.size,
                    parsed.message_id,
                )
            )
    return rows
