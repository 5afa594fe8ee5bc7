"""The durability guard: mail is acknowledged only after a COMMIT that survives a crash.

"250 OK" to DATA, "OK" to APPEND and "+OK" to DELE/QUIT promise that the change is on disk
(DESIGN.md, "Durable before acknowledged"). PostgreSQL keeps that promise only with

* ``fsync = on``: WAL writes reach stable storage (without it an OS crash or power loss can
  lose committed transactions or corrupt the cluster);
* ``full_page_writes = on``: a page torn by a crash mid-write can be rebuilt from the WAL;
* ``synchronous_commit`` not ``off``: COMMIT returns after the WAL is flushed, not before.

The first two are server-wide (``postgresql.conf``, ``ALTER SYSTEM``); we can only refuse to
run on them. The third is per session: the engine's pool sends ``synchronous_commit = on`` as a
startup parameter (:data:`DURABLE_SESSION`), which wins over a server, database or role default
of ``off``. ``[database] unsafe_durability = true`` skips both, for throwaway systems and the
crash harness's negative control.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

import asyncpg

from mailstore.errors import MailstoreError, Temporary

log = logging.getLogger(__name__)

#: Startup parameters of every engine session (``asyncpg`` ``server_settings``).
DURABLE_SESSION: dict[str, str] = {"synchronous_commit": "on"}

#: The settings that must be on, each with why and how to fix it.
_FIXES = {
    "fsync": (
        "an OS crash or power loss can lose acknowledged mail",
        "set fsync = on in postgresql.conf (or ALTER SYSTEM SET fsync = on) and reload",
    ),
    "full_page_writes": (
        "a crash during a page write can corrupt stored mail",
        "set full_page_writes = on in postgresql.conf (or ALTER SYSTEM) and reload",
    ),
    "synchronous_commit": (
        "COMMIT returns before the WAL is on disk, so a crash can lose acknowledged mail",
        "remove whatever overrides our session setting (a connection pooler that drops "
        "startup parameters?)",
    ),
}
SKIP_HINT = "[database] unsafe_durability = true skips this check on throwaway systems"


class UnsafeDatabase(MailstoreError):
    """The database runs with a setting under which acknowledged mail could be lost."""


class Queries(Protocol):
    """What :func:`durability_problems` needs: a pool (:class:`Database`) or a connection."""

    async def fetch(self, query: str, *args: Any) -> list[Any]: ...


async def durability_settings(db: Queries) -> dict[str, str]:
    """The current values of fsync, full_page_writes and synchronous_commit in this session."""
    rows = await db.fetch(
        "SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])", list(_FIXES)
    )
    return {row["name"]: row["setting"] for row in rows}


async def durability_problems(db: Queries) -> list[str]:
    """One line per unsafe setting (empty when all are safe), naming it and its fix.

    ``synchronous_commit`` values ``local``, ``remote_write``, ``remote_apply`` and ``on`` all
    wait for the local WAL flush; only ``off`` does not.
    """
    settings = await durability_settings(db)
    problems = []
    for name, (why, fix) in _FIXES.items():
        if settings.get(name, "off") == "off":
            problems.append(f"database setting {name} is off: {why}; {fix}")
    return problems


async def refuse_unsafe_database(url: str) -> None:
    """Raise :class:`UnsafeDatabase` (one line naming each setting and its fix) when mail
    could be lost; called by ``mailstore serve`` before it accepts anything.

    The settings are read on a session opened the way the engine's pool opens them, so a
    ``synchronous_commit = off`` default that our startup parameter overrides is no problem.
    """
    try:
        conn = await asyncpg.connect(url, server_settings=DURABLE_SESSION)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise Temporary(f"database unavailable: {exc}") from exc
    try:
        problems = await durability_problems(conn)
    finally:
        await conn.close()
    if problems:
        raise UnsafeDatabase("refusing to start: " + "; ".join(problems) + f" ({SKIP_HINT})")


#: Seconds between checks of the settings while the server runs.
RECHECK_INTERVAL = 30.0


async def watch_durability(
    db: Any, stop: asyncio.Event, interval: float = RECHECK_INTERVAL
) -> None:
    """While ``serve`` runs, re-read the settings every ``interval`` seconds: someone may turn
    fsync off and reload without a restart. Until they are safe again ``db.unsafe`` is set and
    every write transaction is refused as temporary (SMTP 451 4.3.0), so nothing is
    acknowledged that a crash could lose. A database that cannot be reached is left to the
    write paths, which answer 451 themselves."""
    while not stop.is_set():
        try:
            problems = await durability_problems(db)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            problems = None
        if problems is not None:
            now = "; ".join(problems) or None
            if now != db.unsafe:
                if now:
                    log.error("refusing mail until fixed: %s (%s)", now, SKIP_HINT)
                else:
                    log.warning("database settings are safe again: accepting mail")
            db.unsafe = now
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except TimeoutError:
            pass
