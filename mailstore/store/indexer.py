"""The background search indexer: fills ``bodies.search_terms`` outside delivery transactions.

Trigram-indexing a message costs more than storing it (see mailstore/schema.py), so delivery
leaves ``search_terms`` NULL and this task indexes new bodies in batches, one short transaction
each, with ``FOR UPDATE SKIP LOCKED`` so any number of processes may run it. Searches are exact
whether or not a body is indexed yet; indexing only makes them fast.
"""

from __future__ import annotations

import asyncio
import logging

from mailstore.errors import Temporary
from mailstore.store.db import Database

log = logging.getLogger(__name__)

#: Tokens split at ASCII white space, as ``mailstore.store.search.TOKEN_SPLIT`` does.
_INDEX_BATCH = r"""
UPDATE bodies b SET search_terms = coalesce((
    SELECT string_agg(t, ' ') FROM (
        SELECT DISTINCT t FROM regexp_split_to_table(b.header_text || ' ' || b.body_text,
                                                     '[ \t\n\r\f\v]+') AS t
        WHERE t <> ''
    ) s), '')
WHERE b.id IN (
    SELECT id FROM bodies WHERE search_terms IS NULL ORDER BY id LIMIT $1
    FOR UPDATE SKIP LOCKED
)
"""


class Indexer:
    def __init__(self, db: Database, batch: int = 200):
        self.db = db
        self.batch = batch

    async def index_pending(self, limit: int | None = None) -> int:
        """Index bodies not indexed yet, batch by batch; returns how many were indexed."""
        done = 0
        while limit is None or done < limit:
            status = await self.db.execute(_INDEX_BATCH, self.batch)
            count = int(status.split()[-1])
            done += count
            if count < self.batch:
                break
        return done

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
