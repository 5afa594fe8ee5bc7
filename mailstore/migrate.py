"""Schema migrations: alembic configured in code, so an installed wheel needs no alembic.ini."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"


def sqlalchemy_url(url: str) -> str:
    """``postgresql://...`` to SQLAlchemy's ``postgresql+asyncpg://...`` (unix-socket host kept)."""
    parts = urlsplit(url)
    scheme = "postgresql+asyncpg"
    query = dict(parse_qsl(parts.query))
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def alembic_config(url: str | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        # ConfigParser interpolates '%': escape it
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"expected one migration head, found {len(heads)}: {heads}")
    return heads[0]


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``; runs its own event loop (call from sync code only)."""
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str) -> None:
    """Apply all migrations from async code (alembic's env runs its own loop, so use a thread)."""
    await asyncio.to_thread(upgrade, url)


async def current_revision(url: str) -> str | None:
    """The revision stamped in the database, or None for an empty database."""
    conn = await asyncpg.connect(url)
    try:
        exists = await conn.fetchval("SELECT to_regclass('public.alembic_version') IS NOT NULL")
        if not exists:
            return None
        return await conn.fetchval("SELECT version_num FROM alembic_version")
    finally:
        await conn.close()


class SchemaOutOfDate(Exception):
    """The database is older (or newer) than this code."""


async def check_current(url: str) -> None:
    current = await current_revision(url)
    head = head_revision()
    if current != head:
        raise SchemaOutOfDate(
            f"database schema is at {current or 'empty'}, this mailstore needs {head}: "
            "run `mailstore db upgrade` (or `mailstore serve --migrate`)"
        )
