"""Pruning the mail log: the reporting facts grow with traffic; old ones go when asked.

Nothing prunes automatically (how long to keep them is the operator's policy, often a legal
one); ``mailstore report prune --before DATE`` deletes the rows of both logs older than the
start of that UTC day, in one transaction, and the per-day views lose those days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

from mailstore.store.db import Database


@dataclass(frozen=True, slots=True)
class Pruned:
    received: int
    deliveries: int


async def prune(db: Database, before: date) -> Pruned:
    """Delete ``received_log`` and ``delivery_log`` rows from before ``before`` (UTC)."""

    async def work(conn: asyncpg.Connection) -> Pruned:
        cutoff = "($1::date::timestamp AT TIME ZONE 'UTC')"
        received = await conn.execute(
            f"DELETE FROM received_log WHERE received_at < {cutoff}", before
        )
        deliveries = await conn.execute(
            f"DELETE FROM delivery_log WHERE attempted_at < {cutoff}", before
        )
        return Pruned(int(received.split()[-1]), int(deliveries.split()[-1]))

    return await db.run(work)
