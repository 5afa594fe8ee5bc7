"""The read-only reporting role: USAGE on schema ``report`` and SELECT on its views, no more.

The views belong to the user that ran the migrations (the schema owner), and a view reads its
tables with its owner's rights, so the role needs no right on any internal table: it cannot
read ``bodies.raw``, message text or password hashes, only what the views show. Default
privileges make views a later migration adds readable too.

The role is NOLOGIN unless asked otherwise: grant it to the people's own login roles
(``GRANT report_reader TO alice``), or create it with LOGIN and a password for a BI tool.
Running it again is harmless (idempotent); an existing role keeps its other attributes.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from mailstore.errors import InvalidArgument
from mailstore.reports.model import SCHEMA
from mailstore.store.db import Database

#: Internal tables whose refusal :func:`grant_reporting` verifies (everything in ``public``).
_INTERNAL = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') "
    "AND has_table_privilege($1, c.oid, 'SELECT') ORDER BY 1"
)


@dataclass(frozen=True, slots=True)
class Granted:
    role: str
    created: bool
    login: bool
    #: Internal tables the role can still read through other grants (should be empty).
    also_readable: tuple[str, ...]


async def grant_reporting(
    db: Database, role: str, *, login: bool = False, password: str | None = None
) -> Granted:
    """Create ``role`` if missing and grant it the report views; see the module docstring."""
    if not role or len(role) > 63:
        raise InvalidArgument("a role name is 1 to 63 characters")
    if login and not password:
        raise InvalidArgument("a LOGIN role needs a password")

    async def work(conn: asyncpg.Connection) -> Granted:
        existing = await conn.fetchrow(
            "SELECT rolsuper, rolcanlogin, rolname = current_user AS me "
            "FROM pg_roles WHERE rolname = $1",
            role,
        )
        if existing is not None and (existing["rolsuper"] or existing["me"]):
            raise InvalidArgument(
                f"role {role} is a superuser or the schema owner: it reads everything"
            )
        options = "LOGIN PASSWORD %L" if login else "NOLOGIN"
        if existing is None:
            await _run(conn, f"CREATE ROLE %I {options}", role, password)
        elif login:
            await _run(conn, f"ALTER ROLE %I {options}", role, password)
        await _run(conn, f"GRANT USAGE ON SCHEMA {SCHEMA} TO %I", role)
        await _run(conn, f"GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO %I", role)
        await _run(
            conn,
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMA} GRANT SELECT ON TABLES TO %I",
            role,
        )
        readable = await conn.fetch(_INTERNAL, role)
        can_login = await conn.fetchval("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", role)
        return Granted(
            role, existing is None, bool(can_login), tuple(r["relname"] for r in readable)
        )

    return await db.run(work)


async def _run(
    conn: asyncpg.Connection, template: str, role: str, password: str | None = None
) -> None:
    """Quote through the server's ``format`` (%I identifier, %L literal), then execute."""
    args = [role] if "%L" not in template else [role, password]
    statement = await conn.fetchval(
        f"SELECT format($1, {', '.join(f'${i + 2}::text' for i in range(len(args)))})",
        template,
        *args,
    )
    await conn.execute(statement)
