"""Bulk loading for the importers: dedup look-ups, and ingest that keeps given UIDs.

:meth:`Bulk.store` is :meth:`Ingest.store` (same transaction, same lock order: account row,
mailbox rows, body rows; same counters, quota and MODSEQ bookkeeping) with two differences:

* the batch's new bodies go in with one statement (``INSERT ... SELECT FROM unnest``) instead
  of two round trips per message, which matters when the importing process is busy parsing;
* UID assignment: a message may carry the UID it had in its source (Dovecot's
  ``dovecot-uidlist``, mbox ``X-UID``), and the mailbox may take the source's UIDVALIDITY, so
  an IMAP client that had the old server's mailbox cached keeps its cache.

Given UIDs are kept only when that is safe (RFC 9051 §2.3.1.1):

* the mailbox takes the source's UIDVALIDITY only while it has never held a message
  (``uidnext = 1``), or already has it (a resumed import);
* a given UID is kept only when it is at least the mailbox's UIDNEXT, so UIDs stay unique and
  ascend; any other message gets the next free UID as usual;
* the global ``uidvalidity_seq`` is moved past an adopted UIDVALIDITY, so a mailbox created
  later under the same name still gets a greater one.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence

import asyncpg
from sqlalchemy.dialects import postgresql

from mailstore.errors import MailstoreError
from mailstore.schema import DELETED, SEEN, bodies
from mailstore.store.bodies import _INSERT_BODY, body_args
from mailstore.store.db import Database, notify
from mailstore.store.ingest import Incoming, Ingest, Stored, Target, _Copy


def _body_columns() -> tuple[tuple[str, str], ...]:
    """``bodies`` columns in the order of :func:`body_args` (read from the single-row insert,
    so the two cannot drift apart) with their SQL types from the schema."""
    m = re.search(r"INSERT INTO bodies \((.*?)\) VALUES", _INSERT_BODY, re.S)
    assert m is not None
    names = [n.strip() for n in m.group(1).split(",")]
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return tuple(
        (name, bodies.c[name.strip('"')].type.compile(dialect=dialect).lower()) for name in names
    )


#: jsonb and array values travel as JSON text (asyncpg would read a list as an array dimension).
_BODY_COLUMNS = _body_columns()
_AS_JSON = ("jsonb", "text[]")


def _select_expr(i: int, sql_type: str) -> str:
    if sql_type == "jsonb":
        return f"u.c{i}::jsonb"
    if sql_type == "text[]":
        return f"ARRAY(SELECT jsonb_array_elements_text(u.c{i}::jsonb))"
    return f"u.c{i}"


def _param_type(sql_type: str) -> str:
    return "text" if sql_type in _AS_JSON else sql_type


#: Every new body of a batch in one statement; a body stored meanwhile by another transaction
#: is not returned, and gets its references later under the body row lock (as in ingest).
_INSERT_BODIES = (
    f"INSERT INTO bodies ({', '.join(name for name, _ in _BODY_COLUMNS)}) "
    f"SELECT {', '.join(_select_expr(i, t) for i, (_, t) in enumerate(_BODY_COLUMNS))} "
    f"FROM unnest({', '.join(f'${i + 1}::{_param_type(t)}[]' for i, (_, t) in enumerate(_BODY_COLUMNS))}) "
    f"AS u({', '.join(f'c{i}' for i in range(len(_BODY_COLUMNS)))}) "
    "ON CONFLICT (sha256) DO NOTHING RETURNING id, sha256"
)


class _BulkIngest(Ingest):
    """One :meth:`Ingest.store` call that inserts a batch's new bodies in one statement and
    whose UID step honours given UIDs."""

    def __init__(self, db: Database, uids: Sequence[int | None], uidvalidity: int | None):
        super().__init__(db)
        self._uids = uids
        self._uidvalidity = uidvalidity

    async def _preload_bodies(
        self, conn: asyncpg.Connection, copies: list[_Copy]
    ) -> dict[bytes, tuple[int, int]]:
        """As :meth:`Ingest._preload_bodies` (new bodies before any row lock, with a
        reference per copy), in two statements for the whole batch."""
        by_body: dict[bytes, list[_Copy]] = defaultdict(list)
        for c in copies:
            by_body[c.message.parsed.sha256].append(c)
        if not by_body:
            return {}
        rows = await conn.fetch(
            "SELECT sha256 FROM bodies WHERE sha256 = ANY($1::bytea[])", list(by_body)
        )
        known = {bytes(r["sha256"]) for r in rows}
        new = [sha for sha in sorted(by_body) if sha not in known]
        if not new:
            return {}
        columns: list[list[object]] = [[] for _ in _BODY_COLUMNS]
        for sha in new:
            first = by_body[sha][0].message
            for i, value in enumerate(body_args(first.raw, first.parsed, len(by_body[sha]))):
                kind = _BODY_COLUMNS[i][1]
                columns[i].append(json.dumps(value) if kind in _AS_JSON else value)
        inserted = await conn.fetch(_INSERT_BODIES, *columns)
        return {bytes(r["sha256"]): (r["id"], len(by_body[bytes(r["sha256"])])) for r in inserted}

    async def _assign_uids(self, conn: asyncpg.Connection, copies: list[_Copy]) -> None:
        by_mailbox: dict[tuple[int, int], list[_Copy]] = defaultdict(list)
        for c in copies:
            by_mailbox[(c.target.account_id, c.mailbox_id)].append(c)
        for (account_id, mailbox_id), group in sorted(by_mailbox.items()):
            row = await conn.fetchrow(
                "SELECT uidnext, uidvalidity FROM mailboxes WHERE account_id = $1 AND id = $2 "
                "FOR UPDATE",
                account_id,
                mailbox_id,
            )
            uidvalidity = row["uidvalidity"]
            wanted = self._uidvalidity
            adopt = wanted is not None and wanted != uidvalidity and row["uidnext"] == 1
            keep = wanted is not None and (adopt or wanted == uidvalidity)
            if adopt:
                uidvalidity = wanted
                # sequences ignore rollback: moving it forward early is harmless
                await conn.execute(
                    "SELECT setval('uidvalidity_seq', $1) "
                    "WHERE $1 > (SELECT last_value FROM uidvalidity_seq)",
                    wanted,
                )
            next_uid = row["uidnext"]
            fresh: list[_Copy] = []
            for c in group:
                given = self._uids[c.index] if keep else None
                if given is not None and given >= next_uid:
                    c.uid = given
                    next_uid = given + 1
                else:
                    fresh.append(c)
            for c in fresh:
                c.uid = next_uid
                next_uid += 1
            modseq = await conn.fetchval(
                "UPDATE mailboxes SET uidnext = $3, uidvalidity = $4, "
                "highestmodseq = highestmodseq + 1, messages = messages + $5, "
                "unseen = unseen + $6, deleted = deleted + $7, size = size + $8 "
                "WHERE account_id = $1 AND id = $2 RETURNING highestmodseq",
                account_id,
                mailbox_id,
                next_uid,
                uidvalidity,
                len(group),
                sum(1 for c in group if not c.mask & SEEN),
                sum(1 for c in group if c.mask & DELETED),
                sum(c.message.parsed.size for c in group),
            )
            for c in group:
                c.modseq = modseq
                c.uidvalidity = uidvalidity
            await notify(conn, account_id, mailbox_id, modseq, "exists")


class Bulk:
    def __init__(self, db: Database):
        self.db = db

    async def store(
        self,
        items: Sequence[tuple[Incoming, Target]],
        uids: Sequence[int | None],
        uidvalidity: int | None,
    ) -> list[Stored | MailstoreError]:
        """:meth:`Ingest.store` keeping ``uids[i]`` for ``items[i]`` where safe (see module
        docstring); ``uidvalidity`` is the source's, None to assign UIDs as usual."""
        if len(uids) != len(items):
            raise ValueError("one uid (or None) per item")
        return await _BulkIngest(self.db, uids, uidvalidity).store(items)

    async def copies(
        self, account_id: int, mailbox_id: int, hashes: Sequence[bytes]
    ) -> dict[bytes, int]:
        """How many messages of the mailbox have each body (by sha256); absent ones are 0."""
        if not hashes:
            return {}
        rows = await self.db.fetch(
            "SELECT b.sha256, count(*) AS n FROM bodies b JOIN messages m ON m.body_id = b.id "
            "WHERE b.sha256 = ANY($3::bytea[]) AND m.account_id = $1 AND m.mailbox_id = $2 "
            "GROUP BY b.sha256",
            account_id,
            mailbox_id,
            list(hashes),
        )
        return {bytes(r["sha256"]): int(r["n"]) for r in rows}

    async def raise_uidnext(
        self, account_id: int, mailbox_id: int, uidvalidity: int, uidnext: int
    ) -> bool:
        """Raise the mailbox's UIDNEXT to the source's ``uidnext`` when the mailbox has the
        source's UIDVALIDITY (its UIDNEXT may be above its highest UID when its last messages
        were expunged: those UIDs must not come back). True when it changed."""

        async def work(conn: asyncpg.Connection) -> str:
            return str(
                await conn.execute(
                    "UPDATE mailboxes SET uidnext = $4 WHERE account_id = $1 AND id = $2 "
                    "AND uidvalidity = $3 AND uidnext < $4",
                    account_id,
                    mailbox_id,
                    uidvalidity,
                    uidnext,
                )
            )

        return await self.db.run(work) == "UPDATE 1"
