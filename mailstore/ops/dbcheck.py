"""``mailstore check``: the database is reachable, new enough, durable, and at the schema head.

Durability is :func:`mailstore.store.durability.durability_problems`, the same test ``mailstore
serve`` refuses to start on, read on a session opened as the engine's pool opens them.
"""

from __future__ import annotations

import asyncpg

from mailstore.config import Config
from mailstore.embedded import EmbeddedError
from mailstore.migrate import current_revision, head_revision
from mailstore.ops.checkline import CheckLine
from mailstore.runtime import open_database
from mailstore.store.durability import DURABLE_SESSION, SKIP_HINT, durability_problems

#: DESIGN.md: "any PostgreSQL 15+ by URL in production".
MIN_SERVER_VERSION = 150000
CONNECT_TIMEOUT = 10.0


async def check_database(config: Config) -> tuple[list[CheckLine], str | None]:
    """The lines, and the database URL when the database is usable (reachable, at head)."""
    try:
        handle = open_database(config)
    except EmbeddedError as exc:
        first = str(exc).splitlines()[0]
        return [CheckLine("database", "error", f"embedded PostgreSQL: {first}")], None
    where = f"embedded in {config.home / 'pgdata'}" if handle.embedded else "[database] url"
    unsafe = config.database.unsafe_durability
    try:
        conn = await asyncpg.connect(
            handle.url,
            server_settings=None if unsafe else DURABLE_SESSION,
            timeout=CONNECT_TIMEOUT,
        )
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return [CheckLine("database", "error", f"cannot connect ({where}): {exc}")], None
    try:
        lines = [await _version(conn, where)]
        problems = await durability_problems(conn)
    finally:
        await conn.close()
    for problem in problems:
        if unsafe:
            lines.append(CheckLine("database", "warn", f"{problem} (unsafe_durability is set)"))
        else:
            lines.append(CheckLine("database", "error", problem, SKIP_HINT))
    if not problems:
        lines.append(
            CheckLine("database", "ok", "fsync, full_page_writes and synchronous_commit are on")
        )
    current, head = await current_revision(handle.url), head_revision()
    if current != head:
        lines.append(
            CheckLine(
                "database",
                "error",
                f"schema at {current or 'empty'}, this mailstore needs {head}",
                "mailstore db upgrade",
            )
        )
        return lines, None
    lines.append(CheckLine("database", "ok", f"schema at head ({head})"))
    return lines, handle.url


async def _version(conn: asyncpg.Connection, where: str) -> CheckLine:
    number = int(await conn.fetchval("SHOW server_version_num"))
    text = await conn.fetchval("SHOW server_version")
    if number < MIN_SERVER_VERSION:
        return CheckLine(
            "database", "error", f"PostgreSQL {text} ({where}): mailstore needs 15 or later"
        )
    return CheckLine("database", "ok", f"PostgreSQL {text} ({where})")
