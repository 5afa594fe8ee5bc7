"""Mailboxes: names, hierarchy, create/rename/delete, subscriptions, status.

Names are UTF-8 with ``/`` as the hierarchy separator; ``INBOX`` is case-insensitive and stored
upper case (RFC 9051 §5.1). Each mailbox row keeps its counters (DESIGN principle 4).
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass

import asyncpg

from mailstore.errors import AlreadyExists, Cannot, InvalidArgument, NotFound
from mailstore.store.bodies import drop_refs
from mailstore.store.db import Database, notify

SEPARATOR = "/"
MAX_NAME_BYTES = 1000
MAX_DEPTH = 32
SPECIAL_USES = ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash")
DEFAULT_MAILBOXES: tuple[tuple[str, str | None], ...] = (
    ("INBOX", None),
    ("Sent", "\\Sent"),
    ("Drafts", "\\Drafts"),
    ("Trash", "\\Trash"),
    ("Junk", "\\Junk"),
    ("Archive", "\\Archive"),
)
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f*%]")

_COLUMNS = (
    "id, name, special_use, uidvalidity, uidnext, highestmodseq, first_recent_uid, "
    "messages, unseen, deleted, size"
)


@dataclass(frozen=True, slots=True)
class MailboxInfo:
    id: int
    name: str
    special_use: str | None
    uidvalidity: int
    uidnext: int
    highestmodseq: int
    first_recent_uid: int
    messages: int
    unseen: int
    deleted: int
    size: int


def _info(row: asyncpg.Record) -> MailboxInfo:
    return MailboxInfo(**dict(row))


def canonical_name(name: str) -> str:
    """Validate a mailbox name and return its stored form (``inbox/x`` -> ``INBOX/x``)."""
    if not name:
        raise InvalidArgument("empty mailbox name")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise InvalidArgument("mailbox name too long")
    if _BAD_CHARS.search(name):
        raise InvalidArgument("mailbox name contains control or wildcard characters")
    levels = name.split(SEPARATOR)
    if len(levels) > MAX_DEPTH:
        raise InvalidArgument("mailbox hierarchy too deep")
    for level in levels:
        if level in ("", ".", ".."):
            raise InvalidArgument("mailbox name has an empty, '.' or '..' level")
        if level != level.strip():
            raise InvalidArgument("mailbox name level starts or ends with white space")
    if levels[0].upper() == "INBOX":
        levels[0] = "INBOX"
    return SEPARATOR.join(levels)


def parents_of(name: str) -> list[str]:
    levels = name.split(SEPARATOR)
    return [SEPARATOR.join(levels[:i]) for i in range(1, len(levels))]


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """IMAP LIST wildcards: ``*`` matches anything, ``%`` anything but the separator."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append(".*")
        elif ch == "%":
            out.append(f"[^{re.escape(SEPARATOR)}]*")
        else:
            out.append(re.escape(ch))
    body = "".join(out)
    # INBOX matches case-insensitively (RFC 9051 §6.3.9)
    if pattern[:5].upper() == "INBOX" and (len(pattern) == 5 or pattern[5] in SEPARATOR + "*%"):
        body = "(?i:INBOX)" + body[len(re.escape(pattern[:5])) :]
    return re.compile(f"^{body}$", re.DOTALL)


async def create_default_mailboxes(conn: asyncpg.Connection, account_id: int) -> None:
    for name, special in DEFAULT_MAILBOXES:
        await conn.execute(
            "INSERT INTO mailboxes (account_id, name, special_use) VALUES ($1, $2, $3)",
            account_id,
            name,
            special,
        )
        await conn.execute(
            "INSERT INTO subscriptions (account_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            account_id,
            name,
        )


async def release_messages(conn: asyncpg.Connection, where: str, *args: object) -> tuple[int, int]:
    """Delete the message rows matching ``where`` and drop their body references.

    Returns (messages, bytes). The caller fixes counters (or deletes their owner).
    """
    rows = await conn.fetch(f"DELETE FROM messages WHERE {where} RETURNING body_id, size", *args)
    await drop_refs(conn, (r["body_id"] for r in rows))
    return len(rows), sum(r["size"] for r in rows)


class Mailboxes:
    def __init__(self, db: Database):
        self.db = db

    async def list(self, account_id: int) -> list[MailboxInfo]:
        rows = await self.db.fetch(
            f"SELECT {_COLUMNS} FROM mailboxes WHERE account_id = $1 ORDER BY name", account_id
        )
        return [_info(r) for r in rows]

    async def list_matching(self, account_id: int, pattern: str) -> builtins.list[MailboxInfo]:
        regex = pattern_regex(pattern)
        return [m for m in await self.list(account_id) if regex.match(m.name)]

    async def get(self, account_id: int, name: str) -> MailboxInfo:
        canon = canonical_name(name)
        row = await self.db.fetchrow(
            f"SELECT {_COLUMNS} FROM mailboxes WHERE account_id = $1 AND name = $2",
            account_id,
            canon,
        )
        if row is None:
            raise NotFound(f"no mailbox {canon}")
        return _info(row)

    async def get_by_id(self, account_id: int, mailbox_id: int) -> MailboxInfo:
        row = await self.db.fetchrow(
            f"SELECT {_COLUMNS} FROM mailboxes WHERE account_id = $1 AND id = $2",
            account_id,
            mailbox_id,
        )
        if row is None:
            raise NotFound("mailbox no longer exists")
        return _info(row)

    async def by_special_use(self, account_id: int, special_use: str) -> MailboxInfo | None:
        row = await self.db.fetchrow(
            f"SELECT {_COLUMNS} FROM mailboxes WHERE account_id = $1 AND special_use = $2 "
            "ORDER BY id LIMIT 1",
            account_id,
            special_use,
        )
        return _info(row) if row else None

    async def create(
        self, account_id: int, name: str, special_use: str | None = None
    ) -> MailboxInfo:
        """Create the mailbox and any missing parents (RFC 9051 §6.3.4)."""
        canon = canonical_name(name)
        if special_use is not None and special_use not in SPECIAL_USES:
            raise InvalidArgument(f"unknown special-use attribute {special_use}")

        async def work(conn: asyncpg.Connection) -> MailboxInfo:
            await conn.execute("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", account_id)
            for parent in parents_of(canon):
                await conn.execute(
                    "INSERT INTO mailboxes (account_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    account_id,
                    parent,
                )
            row = await conn.fetchrow(
                "INSERT INTO mailboxes (account_id, name, special_use) VALUES ($1, $2, $3) "
                f"ON CONFLICT DO NOTHING RETURNING {_COLUMNS}",
                account_id,
                canon,
                special_use,
            )
            if row is None:
                raise AlreadyExists(f"mailbox {canon} exists")
            return _info(row)

        return await self.db.run(work)

    async def delete(self, account_id: int, name: str) -> None:
        """Delete the mailbox and its messages; its children stay (RFC 9051 §6.3.5)."""
        canon = canonical_name(name)
        if canon == "INBOX":
            raise Cannot("INBOX cannot be deleted")

        async def work(conn: asyncpg.Connection) -> None:
            await conn.execute("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", account_id)
            mailbox_id = await conn.fetchval(
                "SELECT id FROM mailboxes WHERE account_id = $1 AND name = $2 FOR UPDATE",
                account_id,
                canon,
            )
            if mailbox_id is None:
                raise NotFound(f"no mailbox {canon}")
            _, size = await release_messages(
                conn, "account_id = $1 AND mailbox_id = $2", account_id, mailbox_id
            )
            await conn.execute(
                "UPDATE accounts SET used_bytes = used_bytes - $2 WHERE id = $1", account_id, size
            )
            await conn.execute(
                "DELETE FROM mailboxes WHERE account_id = $1 AND id = $2", account_id, mailbox_id
            )
            await notify(conn, account_id, mailbox_id, 0, "deleted")

        await self.db.run(work)

    async def rename(self, account_id: int, old: str, new: str) -> None:
        """Rename with all children; renaming INBOX moves its messages (RFC 9051 §6.3.6)."""
        src, dst = canonical_name(old), canonical_name(new)
        if src == dst:
            raise AlreadyExists(f"mailbox {dst} exists")
        if dst.startswith(src + SEPARATOR):
            raise Cannot("cannot rename a mailbox into its own child")
        if dst == "INBOX":
            raise Cannot("cannot rename to INBOX")

        async def work(conn: asyncpg.Connection) -> None:
            await conn.execute("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", account_id)
            source = await conn.fetchrow(
                f"SELECT {_COLUMNS} FROM mailboxes WHERE account_id = $1 AND name = $2 FOR UPDATE",
                account_id,
                src,
            )
            if source is None:
                raise NotFound(f"no mailbox {src}")
            if await conn.fetchval(
                "SELECT 1 FROM mailboxes WHERE account_id = $1 AND name = $2", account_id, dst
            ):
                raise AlreadyExists(f"mailbox {dst} exists")
            for parent in parents_of(dst):
                await conn.execute(
                    "INSERT INTO mailboxes (account_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    account_id,
                    parent,
                )
            if src == "INBOX":
                await self._rename_inbox(conn, account_id, _info(source), dst)
            else:
                await conn.execute(
                    "UPDATE mailboxes SET name = $3 || substr(name, length($2) + 1) "
                    "WHERE account_id = $1 AND (name = $2 OR starts_with(name, $2 || '/'))",
                    account_id,
                    src,
                    dst,
                )
                await conn.execute(
                    "UPDATE subscriptions SET name = $3 || substr(name, length($2) + 1) "
                    "WHERE account_id = $1 AND (name = $2 OR starts_with(name, $2 || '/')) "
                    "AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.account_id = $1 "
                    "AND s.name = $3 || substr(subscriptions.name, length($2) + 1))",
                    account_id,
                    src,
                    dst,
                )
                await notify(conn, account_id, source["id"], 0, "renamed")

        await self.db.run(work)

    async def _rename_inbox(
        self, conn: asyncpg.Connection, account_id: int, inbox: MailboxInfo, dst: str
    ) -> None:
        """Move every INBOX message into a new mailbox ``dst``; INBOX stays, empty.

        The new mailbox has a fresh UIDVALIDITY, so the messages keep their UIDs; INBOX records
        them as expunged so its sessions and QRESYNC clients see them go.
        """
        new_id = await conn.fetchval(
            "INSERT INTO mailboxes (account_id, name, uidnext, highestmodseq, messages, unseen, "
            "deleted, size) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            account_id,
            dst,
            inbox.uidnext,
            inbox.highestmodseq,
            inbox.messages,
            inbox.unseen,
            inbox.deleted,
            inbox.size,
        )
        modseq = inbox.highestmodseq + 1
        await conn.execute(
            "INSERT INTO expunged (account_id, mailbox_id, uid, modseq) "
            "SELECT account_id, mailbox_id, uid, $3 FROM messages "
            "WHERE account_id = $1 AND mailbox_id = $2 "
            "ON CONFLICT (account_id, mailbox_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq",
            account_id,
            inbox.id,
            modseq,
        )
        await conn.execute(
            "UPDATE messages SET mailbox_id = $3 WHERE account_id = $1 AND mailbox_id = $2",
            account_id,
            inbox.id,
            new_id,
        )
        await conn.execute(
            "UPDATE mailboxes SET messages = 0, unseen = 0, deleted = 0, size = 0, "
            "highestmodseq = $3 WHERE account_id = $1 AND id = $2",
            account_id,
            inbox.id,
            modseq,
        )
        await notify(conn, account_id, inbox.id, modseq, "expunge")

    async def subscribe(self, account_id: int, name: str) -> None:
        await self.db.execute(
            "INSERT INTO subscriptions (account_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            account_id,
            canonical_name(name),
        )

    async def unsubscribe(self, account_id: int, name: str) -> None:
        status = await self.db.execute(
            "DELETE FROM subscriptions WHERE account_id = $1 AND name = $2",
            account_id,
            canonical_name(name),
        )
        if status == "DELETE 0":
            raise NotFound(f"not subscribed to {name}")

    async def subscriptions(self, account_id: int) -> builtins.list[str]:
        rows = await self.db.fetch(
            "SELECT name FROM subscriptions WHERE account_id = $1 ORDER BY name", account_id
        )
        return [r["name"] for r in rows]

    async def claim_recent(self, account_id: int, mailbox_id: int, uidnext: int) -> int:
        """Take \\Recent for uids below ``uidnext``: returns the first uid this caller sees as
        \\Recent (uids from it up to ``uidnext`` - 1); later callers see them as not recent
        (RFC 3501 §2.3.2)."""
        row = await self.db.fetchrow(
            "UPDATE mailboxes m SET first_recent_uid = greatest(o.first_recent_uid, $3) "
            "FROM (SELECT first_recent_uid FROM mailboxes WHERE account_id = $1 AND id = $2 "
            "FOR UPDATE) o WHERE m.account_id = $1 AND m.id = $2 RETURNING o.first_recent_uid",
            account_id,
            mailbox_id,
            uidnext,
        )
        if row is None:
            raise NotFound("mailbox no longer exists")
        return int(row["first_recent_uid"])
