"""The asyncpg pool every engine service shares, with transaction and error-mapping helpers."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg

from mailstore.errors import Temporary
from mailstore.store.durability import DURABLE_SESSION

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Errors that mean "the database is not there right now": mapped to :class:`Temporary`.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    ConnectionError,
    asyncio.TimeoutError,
)
#: Errors after which the same transaction may simply be run again.
_RETRYABLE: tuple[type[BaseException], ...] = (
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)


async def _reset_connection(conn: asyncpg.Connection) -> None:
    """Pool connections keep no session state (no LISTEN, no advisory locks, no SET): the
    default reset (UNLISTEN, RESET ALL, ...) would cost a round trip per transaction."""


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


@dataclass(frozen=True, slots=True)
class PoolStats:
    """A look at the pool: connections open (``size``), of which ``idle``; and ``max``."""

    size: int
    idle: int
    max: int


class Database:
    """An asyncpg pool. ``transaction()`` runs a block in one transaction on one connection."""

    def __init__(self, pool: asyncpg.Pool, url: str):
        self.pool = pool
        self.url = url
        #: Set while the database runs with a setting that could lose acknowledged mail
        #: (:func:`mailstore.store.durability.watch_durability`): writes are refused.
        self.unsafe: str | None = None

    @classmethod
    async def connect(
        cls, url: str, min_size: int = 2, max_size: int = 10, *, enforce_durability: bool = True
    ) -> Database:
        """The pool; ``enforce_durability`` starts every session with ``synchronous_commit =
        on`` (a startup parameter: no round trip, and it wins over a server, database or role
        default of ``off``; see ``store/durability.py``)."""
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=min_size,
                max_size=max_size,
                server_settings=dict(DURABLE_SESSION) if enforce_durability else None,
                init=_init_connection,
                reset=_reset_connection,
                command_timeout=300,
                statement_cache_size=512,
            )
        except _UNAVAILABLE as exc:
            raise Temporary(f"database unavailable: {exc}") from exc
        assert pool is not None
        return cls(pool, url)

    async def close(self) -> None:
        await self.pool.close()

    def pool_stats(self) -> PoolStats:
        """Connections open, idle and allowed right now (read-only; for ``/metrics``)."""
        pool = self.pool
        return PoolStats(pool.get_size(), pool.get_idle_size(), pool.get_max_size())

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        try:
            async with self.pool.acquire() as conn:
                yield conn
        except _UNAVAILABLE as exc:
            log.warning("database unavailable: %s", exc)
            raise Temporary("database unavailable") from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """One transaction; COMMIT has returned (durably, synchronous_commit on) on exit."""
        async with self.connection() as conn, conn.transaction():
            yield conn

    async def run(self, work: Callable[[asyncpg.Connection], Awaitable[T]], attempts: int = 5) -> T:
        """Run ``work(conn)`` in a transaction, retrying on deadlock or serialization failure.

        Refused with :class:`Temporary` (SMTP 451 4.3.0) while :attr:`unsafe` is set: nothing is
        acknowledged that a crash could take back."""
        if self.unsafe is not None:
            raise Temporary(f"database not durable: {self.unsafe}")
        for attempt in range(attempts):
            try:
                async with self.transaction() as conn:
                    return await work(conn)
            except _RETRYABLE as exc:
                if attempt == attempts - 1:
                    raise Temporary("database busy, try again") from exc
                log.info("retrying transaction after %s", type(exc).__name__)
                await asyncio.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async with self.connection() as conn:
            return await conn.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        async with self.connection() as conn:
            return await conn.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self.connection() as conn:
            return await conn.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        async with self.connection() as conn:
            return await conn.execute(query, *args)


async def notify(
    conn: asyncpg.Connection, account_id: int, mailbox_id: int, modseq: int, kind: str
) -> None:
    """Queue a change notification; PostgreSQL delivers it only if the transaction commits."""
    await conn.execute(
        "SELECT pg_notify('mailstore', $1)", f"{account_id}:{mailbox_id}:{modseq}:{kind}"
    )
