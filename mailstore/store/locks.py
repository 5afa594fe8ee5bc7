"""Maildrop locks across processes (POP3 RFC 1939 §8 "exclusive-access lock").

A lock is a lease row: taken when absent or expired, renewed by its holder while the session
lives, deleted when the session ends. A process that dies leaves its lease to expire, so the
maildrop is free again after ``ttl`` at most; any number of front-end processes share them.
"""

from __future__ import annotations

from datetime import timedelta

from mailstore.store.db import Database


class Locks:
    def __init__(self, db: Database):
        self.db = db

    async def acquire(self, account_id: int, holder: str, ttl: timedelta) -> bool:
        """Take the account's maildrop lock for ``holder``; False while someone else holds it."""
        got = await self.db.fetchval(
            "INSERT INTO maildrop_locks (account_id, holder, expires_at) "
            "VALUES ($1, $2, now() + $3::interval) ON CONFLICT (account_id) DO UPDATE "
            "SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at "
            "WHERE maildrop_locks.expires_at < now() OR maildrop_locks.holder = EXCLUDED.holder "
            "RETURNING holder",
            account_id,
            holder,
            ttl,
        )
        return got == holder

    async def renew(self, account_id: int, holder: str, ttl: timedelta) -> bool:
        """Extend the lease; False when it was lost (expired and taken by another holder)."""
        status = await self.db.execute(
            "UPDATE maildrop_locks SET expires_at = now() + $3::interval "
            "WHERE account_id = $1 AND holder = $2",
            account_id,
            holder,
            ttl,
        )
        return status == "UPDATE 1"

    async def release(self, account_id: int, holder: str) -> None:
        await self.db.execute(
            "DELETE FROM maildrop_locks WHERE account_id = $1 AND holder = $2", account_id, holder
        )
