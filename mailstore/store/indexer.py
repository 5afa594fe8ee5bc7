"""The background search indexer: moves bodies from ``index_queue`` to ``body_terms``.

Trigram-indexing a message costs more than storing it (see mailstore/schema/), so delivery
only queues new bodies and this task indexes them in batches, one short transaction each, with
``FOR UPDATE SKIP LOCKED`` so any number of processes may run it. Searches are exact whether or
not a body is indexed yet; indexing only makes them fast.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from mailstore.errors import Temporary
from mailstore.store import search
from mailstore.store.db import Database
from mailstore.store.search import TOKEN_SPLIT

log = logging.getLogger(__name__)

_CLAIM = """
WITH claimed AS (
    DELETE FROM index_queue WHERE body_id IN (
        SELECT body_id FROM index_queue ORDER BY body_id LIMIT $1 FOR UPDATE SKIP LOCKED
    ) RETURNING body_id
)
SELECT b.id, b.header_text, b.body_text FROM bodies b JOIN claimed c ON c.body_id = b.id
"""
_STORE = """
INSERT INTO body_terms (body_id, terms) SELECT * FROM unnest($1::bigint[], $2::text[])
ON CONFLICT (body_id) DO NOTHING
"""
#: Shorter tokens make no trigram a needle piece could use (pieces under 3 characters are not
#: looked up in the index), so leaving them out loses nothing.
MIN_TOKEN = search.MIN_TOKEN


def search_terms(*texts: str) -> str:
    """Distinct tokens of 3+ characters split at ASCII white space
    (:data:`mailstore.store.search.TOKEN_SPLIT`), in first-seen order, joined by spaces."""
    seen: dict[str, None] = {}
    for text in texts:
        seen.update(dict.fromkeys(TOKEN_SPLIT.split(text)))
    return " ".join(t for t in seen if len(t) >= MIN_TOKEN)


class Indexer:
    def __init__(self, db: Database, batch: int = 200):
        self.db = db
        self.batch = batch

    async def index_pending(self, limit: int | None = None) -> int:
        """Index bodies not indexed yet, batch by batch; returns how many were indexed."""
        done = 0
        while limit is None or done < limit:
            count = await self.db.run(self._batch)
            done += count
            if count < self.batch:
                break
        return done

    async def _batch(self, conn: asyncpg.Connection) -> int:
        # tokens are computed here rather than in SQL: Python's split is several times cheaper
        # than regexp_split_to_table + DISTINCT in the server
        rows = await conn.fetch(_CLAIM, self.batch)
        if rows:
            await conn.execute(
                _STORE,
                [r["id"] for r in rows],
                [search_terms(r["header_text"], r["body_text"]) for r in rows],
            )
        return len(rows)

    async def run(self, stop: asyncio.Event, interval: float = 1.0) -> None:
        """Index until ``stop`` is set: one pass every ``interval`` seconds."""
        while not stop.is_set():
            try:
                count = await self.index_pending()
                if count:
                    log.debug("indexed %d bodies", count)
            except Temporary as exc:
                log.warning("search indexer: %s", exc)
            except Exception:
                log.exception("search indexer failed; retrying")
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass
