"""Maildrop locks across processes (POP3 RFC 1939 §8 "exclusive-access lock").

A lock is a lease row: taken when absent or expired, renewed by its holder while the session
lives, deleted when the session ends. A process that dies leaves its lease to expire, so the
maildrop is free again after ``ttl`` at most; any number of front-end processes share them.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from mailstore.store.db import Database


def _dead_local_holder(holder: str) -> bool:
    """True when ``holder`` (``host:pid:session``, as POP3 sessions name themselves) is a
    process on this host that no longer exists."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


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
        if got == holder:
            return True
        # Crash safety (found by tests/crash): a server killed mid-session left its lease for
        # the whole TTL (15 minutes), locking the maildrop after every restart. A lease held
        # by a dead process on this same host is taken over at once instead.
        current = await self.db.fetchval(
            "SELECT holder FROM maildrop_locks WHERE account_id = $1", account_id
        )
        if current is None or not _dead_local_holder(current):
            return False
        await self.db.execute(
            "DELETE FROM maildrop_locks WHERE account_id = $1 AND holder = $2", account_id, current
        )
        return await self.acquire(account_id, holder, ttl)

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
