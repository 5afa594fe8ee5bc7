"""From configuration to a running database: the embedded cluster or a configured URL."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from mailstore.config import Config
from mailstore.embedded import start_embedded
from mailstore.migrate import SchemaOutOfDate, current_revision, head_revision, upgrade_async
from mailstore.store import Passwords, Store

log = logging.getLogger(__name__)


@dataclass
class DatabaseHandle:
    url: str
    embedded: bool
    #: keeps the embedded server referenced; it stops when the last process using it exits
    server: Any = None


def open_database(config: Config) -> DatabaseHandle:
    """The configured URL, or start the embedded cluster in ``<home>/pgdata``."""
    if config.database.url:
        return DatabaseHandle(config.database.url, embedded=False)
    server, url = start_embedded(config.home)
    return DatabaseHandle(url, embedded=True, server=server)


async def ensure_schema(handle: DatabaseHandle, migrate: bool) -> None:
    """Stop with :class:`SchemaOutOfDate` unless the schema is current.

    An empty embedded database is always upgraded (a first start needs no extra command);
    otherwise upgrading needs ``migrate`` (``serve --migrate``) or ``mailstore db upgrade``.
    """
    current = await current_revision(handle.url)
    head = head_revision()
    if current == head:
        return
    if migrate or (handle.embedded and current is None):
        log.info("upgrading database schema %s -> %s", current or "empty", head)
        await upgrade_async(handle.url)
        return
    raise SchemaOutOfDate(
        f"database schema is at {current or 'empty'}, this mailstore needs {head}: "
        "run `mailstore db upgrade` (or `mailstore serve --migrate`)"
    )


async def open_store(
    config: Config, handle: DatabaseHandle, *, max_size: int | None = None
) -> Store:
    passwords = Passwords(config.auth.argon2_time_cost, config.auth.argon2_memory_cost_kib)
    return await Store.open(
        handle.url,
        min_size=min(config.database.pool_min, max_size or config.database.pool_max),
        max_size=max_size or config.database.pool_max,
        passwords=passwords,
        enforce_durability=not config.database.unsafe_durability,
    )
