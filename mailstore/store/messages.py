"""Messages in a mailbox: fetch, flags, copy, move, expunge, changes since a modseq.

Every write locks the mailbox row first (after the account row when quota changes), bumps
``highestmodseq`` once, stamps the changed rows with it, fixes the counters and NOTIFYs, all in
one transaction (DESIGN principles 4, 5 and 9).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

import asyncpg

from mailstore import failpoints
from mailstore.errors import NotFound, OverQuota
from mailstore.schema import DELETED, SEEN
from mailstore.store.bodies import add_refs, drop_refs
from mailstore.store.db import Database, notify
from mailstore.store.flags import join_flags, split_flags
from mailstore.store.search import Criteria, compile_criteria

#: Uids per query when streaming FETCH results.
FETCH_CHUNK = 5000
#: ... when bodies or parsed structures are read too.
FETCH_CHUNK_PARSED = 500


@dataclass(frozen=True, slots=True)
class MessageRow:
    """What FETCH reads for one message; optional parts are None unless asked for."""

    uid: int
    flags: tuple[str, ...]
    modseq: int
    internal_date: datetime
    saved_date: datetime
    size: int
    header_size: int | None = None
    lines: int | None = None
    parts: dict[str, list[int]] | None = None
    envelope: list[Any] | None = None
    bodystructure: dict[str, Any] | None = None
    raw: bytes | None = None
    #: ENVELOPE / BODYSTRUCTURE / BODY as IMAP sends them (without UTF8=ACCEPT), stored at ingest
    envelope_wire: bytes | None = None
    structure_wire: bytes | None = None
    body_wire: bytes | None = None


@dataclass(frozen=True, slots=True)
class FlagChange:
    uid: int
    flags: tuple[str, ...]
    modseq: int


@dataclass(frozen=True, slots=True)
class StoreResult:
    changed: list[FlagChange]
    #: UIDs not changed because their modseq was above UNCHANGEDSINCE (RFC 7162 §3.1.3).
    modified: list[int]
    highestmodseq: int


@dataclass(frozen=True, slots=True)
class CopyResult:
    uidvalidity: int
    #: (source uid, destination uid) pairs in source uid order.
    pairs: list[tuple[int, int]]
    #: For MOVE: the expunged source uids and the source modseq of the expunge.
    expunged: list[int]
    expunge_modseq: int


@dataclass(frozen=True, slots=True)
class ExpungeResult:
    uids: list[int]
    modseq: int


@dataclass(frozen=True, slots=True)
class Changes:
    changed: list[FlagChange]
    vanished: list[int]


@dataclass(frozen=True, slots=True)
class ThreadInfo:
    uid: int
    message_id: str
    in_reply_to: str
    references: list[str]
    sort_subject: str
    date: datetime


class SortKey(Enum):
    """RFC 5256 §3 sort criteria and RFC 5957 DISPLAYFROM/DISPLAYTO."""

    ARRIVAL = "arrival"
    CC = "cc"
    DATE = "date"
    FROM = "from"
    SIZE = "size"
    SUBJECT = "subject"
    TO = "to"
    DISPLAYFROM = "displayfrom"
    DISPLAYTO = "displayto"


_SORT_SQL = {
    SortKey.ARRIVAL: "m.internal_date",
    SortKey.CC: 'b.sort_cc COLLATE "C"',
    # RFC 5256: DATE is the sent date; a missing or bad Date: header sorts by internal date
    SortKey.DATE: "coalesce(b.sent_date, m.internal_date)",
    SortKey.FROM: 'b.sort_from COLLATE "C"',
    SortKey.SIZE: "m.size",
    SortKey.SUBJECT: 'b.sort_subject COLLATE "C"',
    SortKey.TO: 'b.sort_to COLLATE "C"',
    SortKey.DISPLAYFROM: 'b.sort_display_from COLLATE "C"',
    SortKey.DISPLAYTO: 'b.sort_display_to COLLATE "C"',
}


class FlagOp(Enum):
    ADD = "add"
    REMOVE = "remove"
    SET = "set"


_FLAG_SQL = {
    FlagOp.ADD: (
        "o.flags | $4",
        "o.keywords || ARRAY(SELECT k FROM unnest($5::text[]) k "
        "WHERE lower(k) <> ALL (SELECT lower(x) FROM unnest(o.keywords) x))",
    ),
    FlagOp.REMOVE: (
        "o.flags & ~$4::smallint",
        "ARRAY(SELECT k FROM unnest(o.keywords) k "
        "WHERE lower(k) <> ALL (SELECT lower(x) FROM unnest($5::text[]) x))",
    ),
    FlagOp.SET: ("$4::smallint", "$5::text[]"),
}


def _row(r: asyncpg.Record) -> MessageRow:
    # positional: FETCH 1:* builds 100,000 of these, and dict(**) doubled the cost
    if len(r) == 7:
        return MessageRow(r[0], join_flags(r[1], r[2]), r[3], r[4], r[5], r[6])
    data = dict(r)
    data["flags"] = join_flags(data.pop("flags"), data.pop("keywords"))
    return MessageRow(**data)


class Messages:
    def __init__(self, db: Database):
        self.db = db

    async def uids(self, account_id: int, mailbox_id: int) -> list[int]:
        """All uids of the mailbox in order: a session's sequence-number map."""
        rows = await self.db.fetch(
            "SELECT uid FROM messages WHERE account_id = $1 AND mailbox_id = $2 ORDER BY uid",
            account_id,
            mailbox_id,
        )
        return [r["uid"] for r in rows]

    async def fetch(
        self,
        account_id: int,
        mailbox_id: int,
        uids: Sequence[int],
        *,
        envelope: bool = False,
        structure: bool = False,
        raw: bool = False,
        wire: bool = False,
    ) -> AsyncIterator[MessageRow]:
        """Stream rows for ``uids`` (in uid order), reading only the columns asked for."""
        cols = [
            "m.uid",
            "m.flags",
            "m.keywords",
            "m.modseq",
            "m.internal_date",
            "m.saved_date",
            "m.size",
        ]
        join = ""
        if envelope or structure or raw or wire:
            join = " JOIN bodies b ON b.id = m.body_id"
            cols += ["b.header_size", "b.lines", "b.parts"]
            if envelope:
                cols.append("b.envelope")
            if structure:
                cols.append("b.bodystructure")
            if raw:
                cols.append("b.raw")
            if wire:
                cols += ["b.envelope_wire", "b.structure_wire", "b.body_wire"]
        query = (
            f"SELECT {', '.join(cols)} FROM messages m{join} WHERE m.account_id = $1 "
            "AND m.mailbox_id = $2 AND m.uid = ANY($3::bigint[]) ORDER BY m.uid"
        )
        ordered = sorted(set(uids))
        chunk = (
            100 if raw else FETCH_CHUNK_PARSED if (envelope or structure or wire) else FETCH_CHUNK
        )
        for start in range(0, len(ordered), chunk):
            rows = await self.db.fetch(
                query, account_id, mailbox_id, ordered[start : start + chunk]
            )
            for r in rows:
                yield _row(r)

    async def fetch_flags(
        self,
        account_id: int,
        mailbox_id: int,
        uids: Sequence[int],
        *,
        size: bool = False,
        internal_date: bool = False,
    ) -> AsyncIterator[list[Sequence[Any]]]:
        """Chunks of ``(uid, flags, keywords, modseq[, size][, internal_date])`` rows in uid
        order: the cheap path for ``FETCH 1:* (UID FLAGS)``, which a client sends on every
        resync of a large mailbox. No row objects are built; ``flags`` is the system-flag bit
        mask, ``keywords`` a list or None (see :func:`join_flags`)."""
        cols = "uid, flags, keywords, modseq"
        if size:
            cols += ", size"
        if internal_date:
            cols += ", internal_date"
        ordered = sorted(set(uids))
        head = f"SELECT {cols} FROM messages WHERE account_id = $1 AND mailbox_id = $2 AND "
        by_range = head + "uid BETWEEN $3 AND $4 ORDER BY uid"
        by_list = head + "uid = ANY($3::bigint[]) ORDER BY uid"
        for start in range(0, len(ordered), FETCH_CHUNK):
            part = ordered[start : start + FETCH_CHUNK]
            span = part[-1] - part[0] + 1
            if span > 2 * len(part):  # sparse: probe the index for each uid
                yield await self.db.fetch(by_list, account_id, mailbox_id, part)
                continue
            # dense (a mailbox's 1:* with a few expunged gaps): one range scan, not a
            # 5,000-element array probe; rows outside the set are dropped
            rows = await self.db.fetch(by_range, account_id, mailbox_id, part[0], part[-1])
            if span != len(part):
                wanted = set(part)
                rows = [r for r in rows if r[0] in wanted]
            yield rows

    async def store_flags(
        self,
        account_id: int,
        mailbox_id: int,
        uids: Sequence[int],
        op: FlagOp,
        flags: Sequence[str],
        unchangedsince: int | None = None,
    ) -> StoreResult:
        """Change flags of ``uids``; only rows whose flags really change get a new modseq."""
        mask, keywords = split_flags(flags)
        new_flags, new_keywords = _FLAG_SQL[op]
        uid_list = sorted(set(uids))

        async def work(conn: asyncpg.Connection) -> StoreResult:
            highest = await _lock_mailbox(conn, account_id, mailbox_id)
            modseq = highest + 1
            modified: list[int] = []
            guard = ""
            if unchangedsince is not None:
                rows = await conn.fetch(
                    "SELECT uid FROM messages WHERE account_id = $1 AND mailbox_id = $2 "
                    "AND uid = ANY($3::bigint[]) AND modseq > $4 ORDER BY uid",
                    account_id,
                    mailbox_id,
                    uid_list,
                    unchangedsince,
                )
                modified = [r["uid"] for r in rows]
                guard = f" AND o.modseq <= {int(unchangedsince)}"
            rows = await conn.fetch(
                f"UPDATE messages m SET flags = n.flags, keywords = n.keywords, modseq = $6 "
                f"FROM (SELECT o.uid, o.flags AS old_flags, {new_flags} AS flags, "
                f"{new_keywords} AS keywords, o.keywords AS old_keywords FROM messages o "
                f"WHERE o.account_id = $1 AND o.mailbox_id = $2 AND o.uid = ANY($3::bigint[]){guard} "
                f"FOR UPDATE) n WHERE m.account_id = $1 AND m.mailbox_id = $2 AND m.uid = n.uid AND m.uid = ANY($3::bigint[]) "
                f"AND (n.flags <> n.old_flags OR n.keywords <> n.old_keywords) "
                f"RETURNING m.uid, m.flags, m.keywords, n.old_flags",
                account_id,
                mailbox_id,
                uid_list,
                mask,
                keywords,
                modseq,
            )
            if not rows:
                return StoreResult([], modified, highest)
            unseen_delta = sum(
                (1 if r["old_flags"] & SEEN else 0) - (1 if r["flags"] & SEEN else 0) for r in rows
            )
            deleted_delta = sum(
                (1 if r["flags"] & DELETED else 0) - (1 if r["old_flags"] & DELETED else 0)
                for r in rows
            )
            await conn.execute(
                "UPDATE mailboxes SET highestmodseq = $3, unseen = unseen + $4, "
                "deleted = deleted + $5 WHERE account_id = $1 AND id = $2",
                account_id,
                mailbox_id,
                modseq,
                unseen_delta,
                deleted_delta,
            )
            await notify(conn, account_id, mailbox_id, modseq, "flags")
            changed = sorted(
                (FlagChange(r["uid"], join_flags(r["flags"], r["keywords"]), modseq) for r in rows),
                key=lambda c: c.uid,
            )
            return StoreResult(changed, modified, modseq)

        return await self.db.run(work)

    async def copy(
        self,
        account_id: int,
        source_id: int,
        uids: Sequence[int],
        target_id: int,
        *,
        move: bool = False,
    ) -> CopyResult:
        """COPY (or MOVE, RFC 6851) ``uids`` into another mailbox of the same account.

        Destination uids follow source uid order; flags, keywords and internal dates are kept.
        MOVE expunges the sources in the same transaction, so exactly one copy exists after.
        """
        uid_list = sorted(set(uids))

        async def work(conn: asyncpg.Connection) -> CopyResult:
            await conn.execute("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", account_id)
            for mailbox_id in sorted({source_id, target_id}):
                await _lock_mailbox(conn, account_id, mailbox_id)
            rows = await conn.fetch(
                "SELECT uid, body_id, flags, keywords, internal_date, size FROM messages "
                "WHERE account_id = $1 AND mailbox_id = $2 AND uid = ANY($3::bigint[]) ORDER BY uid",
                account_id,
                source_id,
                uid_list,
            )
            if not rows:
                info = await conn.fetchrow(
                    "SELECT uidvalidity FROM mailboxes WHERE account_id = $1 AND id = $2",
                    account_id,
                    target_id,
                )
                return CopyResult(info["uidvalidity"], [], [], 0)
            size = sum(r["size"] for r in rows)
            if not move and not await conn.fetchval(
                "UPDATE accounts SET used_bytes = used_bytes + $2 WHERE id = $1 AND "
                "(quota_bytes IS NULL OR used_bytes + $2 <= quota_bytes) RETURNING 1",
                account_id,
                size,
            ):
                raise OverQuota("quota exceeded")
            n = len(rows)
            unseen = sum(1 for r in rows if not r["flags"] & SEEN)
            deleted = sum(1 for r in rows if r["flags"] & DELETED)
            dst = await conn.fetchrow(
                "UPDATE mailboxes SET uidnext = uidnext + $3, highestmodseq = highestmodseq + 1, "
                "messages = messages + $3, unseen = unseen + $4, deleted = deleted + $5, "
                "size = size + $6 WHERE account_id = $1 AND id = $2 "
                "RETURNING uidnext - $3 AS first_uid, highestmodseq, uidvalidity",
                account_id,
                target_id,
                n,
                unseen,
                deleted,
                size,
            )
            first = dst["first_uid"]
            await conn.executemany(
                "INSERT INTO messages (account_id, mailbox_id, uid, body_id, flags, keywords, "
                "modseq, internal_date, size) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                [
                    (
                        account_id,
                        target_id,
                        first + i,
                        r["body_id"],
                        r["flags"],
                        r["keywords"],
                        dst["highestmodseq"],
                        r["internal_date"],
                        r["size"],
                    )
                    for i, r in enumerate(rows)
                ],
            )
            await notify(conn, account_id, target_id, dst["highestmodseq"], "exists")
            pairs = [(r["uid"], first + i) for i, r in enumerate(rows)]
            if move:
                failpoints.hit("move-before-delete")  # crash harness: copies in, sources not out
                gone = await _expunge(
                    conn, account_id, source_id, [r["uid"] for r in rows], False, only_deleted=False
                )
                # MOVE keeps the body references of the removed rows: hand them to the new rows
                return CopyResult(dst["uidvalidity"], pairs, gone.uids, gone.modseq)
            await add_refs(conn, (r["body_id"] for r in rows))
            return CopyResult(dst["uidvalidity"], pairs, [], 0)

        return await self.db.run(work)

    async def expunge(
        self, account_id: int, mailbox_id: int, uids: Sequence[int] | None = None
    ) -> ExpungeResult:
        """Remove messages flagged \\Deleted (only those in ``uids`` if given, RFC 4315)."""

        async def work(conn: asyncpg.Connection) -> ExpungeResult:
            await conn.execute("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", account_id)
            await _lock_mailbox(conn, account_id, mailbox_id)
            result = await _expunge(conn, account_id, mailbox_id, uids, True)
            failpoints.hit("expunge-before-commit")  # crash harness: rows gone, not committed
            return result

        return await self.db.run(work)

    async def remove(self, account_id: int, mailbox_id: int, uids: Sequence[int]) -> ExpungeResult:
        """Expunge ``uids`` whatever their flags (POP3 DELE at QUIT)."""

        async def work(conn: asyncpg.Connection) -> ExpungeResult:
            await conn.execute("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", account_id)
            await _lock_mailbox(conn, account_id, mailbox_id)
            result = await _expunge(conn, account_id, mailbox_id, uids, True, only_deleted=False)
            failpoints.hit("pop3-update-before-commit")  # crash harness: the UPDATE state's rows
            return result

        return await self.db.run(work)

    async def changes_since(self, account_id: int, mailbox_id: int, modseq: int) -> Changes:
        """Messages changed and uids expunged after ``modseq`` (CONDSTORE/QRESYNC)."""
        async with self.db.connection() as conn:
            rows = await conn.fetch(
                "SELECT uid, flags, keywords, modseq FROM messages WHERE account_id = $1 "
                "AND mailbox_id = $2 AND modseq > $3 ORDER BY uid",
                account_id,
                mailbox_id,
                modseq,
            )
            gone = await conn.fetch(
                "SELECT uid FROM expunged WHERE account_id = $1 AND mailbox_id = $2 "
                "AND modseq > $3 ORDER BY uid",
                account_id,
                mailbox_id,
                modseq,
            )
        changed = [
            FlagChange(r["uid"], join_flags(r["flags"], r["keywords"]), r["modseq"]) for r in rows
        ]
        return Changes(changed, [r["uid"] for r in gone])

    async def search(
        self, account_id: int, mailbox_id: int, criteria: Criteria, order_by: str = "m.uid"
    ) -> list[int]:
        """Uids matching ``criteria``, as one SQL query."""
        compiled = compile_criteria(criteria, first_param=3)
        join = " JOIN bodies b ON b.id = m.body_id" if compiled.needs_body else ""
        rows = await self.db.fetch(
            f"SELECT m.uid FROM messages m{join} WHERE m.account_id = $1 AND m.mailbox_id = $2 "
            f"AND {compiled.where} ORDER BY {order_by}",
            account_id,
            mailbox_id,
            *compiled.args,
        )
        return [r["uid"] for r in rows]

    async def sort(
        self,
        account_id: int,
        mailbox_id: int,
        criteria: Criteria,
        keys: Sequence[tuple[SortKey, bool]],
    ) -> list[int]:
        """Uids matching ``criteria`` in RFC 5256 / RFC 5957 order; ``(key, reverse)`` pairs.

        Ties are broken by uid (RFC 5256 §3: "the order of the messages ... by sequence").
        """
        compiled = compile_criteria(criteria, first_param=3)
        order = [f"{_SORT_SQL[key]} {'DESC' if reverse else 'ASC'}" for key, reverse in keys]
        order.append("m.uid ASC")
        needs_body = compiled.needs_body or any(
            _SORT_SQL[k].startswith(("b.", "coalesce(b.")) for k, _ in keys
        )
        join = " JOIN bodies b ON b.id = m.body_id" if needs_body else ""
        rows = await self.db.fetch(
            f"SELECT m.uid FROM messages m{join} WHERE m.account_id = $1 AND m.mailbox_id = $2 "
            f"AND {compiled.where} ORDER BY {', '.join(order)}",
            account_id,
            mailbox_id,
            *compiled.args,
        )
        return [r["uid"] for r in rows]

    async def thread_data(
        self, account_id: int, mailbox_id: int, criteria: Criteria
    ) -> list[ThreadInfo]:
        """What RFC 5256 THREAD needs of each matching message, in uid order."""
        compiled = compile_criteria(criteria, first_param=3)
        rows = await self.db.fetch(
            'SELECT m.uid, b.message_id, b.in_reply_to, b."references", b.sort_subject, '
            "coalesce(b.sent_date, m.internal_date) AS date FROM messages m "
            "JOIN bodies b ON b.id = m.body_id WHERE m.account_id = $1 AND m.mailbox_id = $2 "
            f"AND {compiled.where} ORDER BY m.uid",
            account_id,
            mailbox_id,
            *compiled.args,
        )
        return [
            ThreadInfo(
                r["uid"],
                r["message_id"],
                r["in_reply_to"],
                list(r["references"]),
                r["sort_subject"],
                r["date"],
            )
            for r in rows
        ]

    async def first_unseen(
        self, account_id: int, mailbox_id: int, max_uid: int | None = None
    ) -> int | None:
        """The lowest uid without \\Seen (at most ``max_uid``), from the partial unseen index."""
        return await self.db.fetchval(
            f"SELECT min(uid) FROM messages WHERE account_id = $1 AND mailbox_id = $2 "
            f"AND flags & {SEEN} = 0 AND uid <= $3",
            account_id,
            mailbox_id,
            max_uid if max_uid is not None else 2**62,
        )

    async def pop3_listing(self, account_id: int, mailbox_id: int) -> list[tuple[int, int, bool]]:
        """(uid, CRLF wire size, seen) of every message in uid order: a POP3 maildrop."""
        rows = await self.db.fetch(
            f"SELECT m.uid, b.wire_size, m.flags & {SEEN} <> 0 AS seen FROM messages m "
            "JOIN bodies b ON b.id = m.body_id WHERE m.account_id = $1 AND m.mailbox_id = $2 "
            "ORDER BY m.uid",
            account_id,
            mailbox_id,
        )
        return [(r["uid"], r["wire_size"], r["seen"]) for r in rows]

    async def body(self, account_id: int, mailbox_id: int, uid: int) -> bytes:
        raw = await self.db.fetchval(
            "SELECT b.raw FROM messages m JOIN bodies b ON b.id = m.body_id "
            "WHERE m.account_id = $1 AND m.mailbox_id = $2 AND m.uid = $3",
            account_id,
            mailbox_id,
            uid,
        )
        if raw is None:
            raise NotFound("no such message")
        return bytes(raw)


async def _lock_mailbox(conn: asyncpg.Connection, account_id: int, mailbox_id: int) -> int:
    highest = await conn.fetchval(
        "SELECT highestmodseq FROM mailboxes WHERE account_id = $1 AND id = $2 FOR UPDATE",
        account_id,
        mailbox_id,
    )
    if highest is None:
        raise NotFound("mailbox no longer exists")
    return int(highest)


async def _expunge(
    conn: asyncpg.Connection,
    account_id: int,
    mailbox_id: int,
    uids: Sequence[int] | None,
    release_bodies: bool,
    *,
    only_deleted: bool = True,
) -> ExpungeResult:
    """Delete rows (mailbox already locked), log them with a new modseq, fix the counters."""
    where = "account_id = $1 AND mailbox_id = $2"
    args: list[object] = [account_id, mailbox_id]
    if only_deleted:
        where += f" AND flags & {DELETED} <> 0"
    if uids is not None:
        where += " AND uid = ANY($3::bigint[])"
        args.append(sorted(set(uids)))
    rows = await conn.fetch(
        f"DELETE FROM messages WHERE {where} RETURNING uid, body_id, size, flags", *args
    )
    if not rows:
        highest = await conn.fetchval(
            "SELECT highestmodseq FROM mailboxes WHERE account_id = $1 AND id = $2",
            account_id,
            mailbox_id,
        )
        return ExpungeResult([], int(highest))
    size = sum(r["size"] for r in rows)
    unseen = sum(1 for r in rows if not r["flags"] & SEEN)
    deleted = sum(1 for r in rows if r["flags"] & DELETED)
    modseq = await conn.fetchval(
        "UPDATE mailboxes SET highestmodseq = highestmodseq + 1, messages = messages - $3, "
        "unseen = unseen - $4, deleted = deleted - $5, size = size - $6 "
        "WHERE account_id = $1 AND id = $2 RETURNING highestmodseq",
        account_id,
        mailbox_id,
        len(rows),
        unseen,
        deleted,
        size,
    )
    gone = sorted(r["uid"] for r in rows)
    await conn.execute(
        "INSERT INTO expunged (account_id, mailbox_id, uid, modseq) "
        "SELECT $1, $2, u, $4 FROM unnest($3::bigint[]) u",
        account_id,
        mailbox_id,
        gone,
        modseq,
    )
    if release_bodies:
        await conn.execute(
            "UPDATE accounts SET used_bytes = used_bytes - $2 WHERE id = $1", account_id, size
        )
        await drop_refs(conn, (r["body_id"] for r in rows))
    await notify(conn, account_id, mailbox_id, modseq, "expunge")
    return ExpungeResult(gone, int(modseq))
