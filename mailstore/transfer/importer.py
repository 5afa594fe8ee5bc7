"""The import pipeline: read, dedup, parse, store in batches, one source mailbox at a time.

For each batch of at most :attr:`ImportOptions.batch_messages` messages (and
:attr:`ImportOptions.batch_bytes` bytes):

1. **read** in a worker thread (the readers block on disk), hashing each message (sha256);
2. **dedup** against the target mailbox: the k-th copy of a message in the source is skipped
   when the mailbox already held at least k copies of it before this run (one indexed query
   per batch, for the hashes not met before). So a second run adds nothing, an interrupted run
   continues where it stopped, and a source holding the same message twice keeps both copies;
3. **parse** once (DESIGN principle 2), in worker processes when the import is large, so
   parsing runs on other cores while the database stores the previous batch;
4. **store** in one transaction through :meth:`Bulk.store` (:meth:`Ingest.store` with the
   batch's new bodies in one statement, and the source's UIDs kept where it has them):
   bodies, counters, quota and MODSEQ as for any delivery.

Batch k+1 is read, deduplicated and parsed while batch k is being stored; batches are stored
in source order, so UIDs follow the source's order. Memory is bounded by two batches plus the
dedup table (about 100 bytes per distinct message of the mailbox being imported).

An error reading the source (:class:`TransferError`) stops the import after the messages read
before it are stored; everything committed is consistent, and a re-run resumes.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Protocol

from mailstore.errors import AlreadyExists, MailstoreError, NotFound
from mailstore.message import ParsedMessage, parse_message
from mailstore.store import Incoming, MailboxInfo, Store, Stored, Target
from mailstore.store.bulk import Bulk
from mailstore.transfer.flags import clean_flags
from mailstore.transfer.source import Source, SourceMessage, TransferError, defect

#: Malformed messages named in the summary (all are counted).
MAX_EXAMPLES = 5
#: Messages parsed in this process before parser processes are started (automatic mode):
#: starting them costs about half a second, which a small import would not win back.
POOL_AFTER = 1000


@dataclass(frozen=True, slots=True)
class ImportOptions:
    dry_run: bool = False
    #: Messages per transaction.
    batch_messages: int = 250
    #: Bytes per transaction (a batch closes at whichever limit comes first).
    batch_bytes: int = 8 << 20
    #: Parser processes; None: one per core but one, once the import is large enough to pay
    #: for starting them; 0: parse in this process.
    parse_workers: int | None = None


@dataclass(slots=True)
class MailboxResult:
    """What happened to one source mailbox (a row of the summary)."""

    mailbox: str
    source: str
    format: str = ""
    found: int = 0
    imported: int = 0
    #: Already in the target mailbox (an earlier or interrupted run): skipped.
    present: int = 0
    malformed: int = 0
    uids_kept: int = 0
    bytes_read: int = 0
    bytes_imported: int = 0
    dropped_keywords: int = 0
    created: bool = False
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    malformed_examples: list[str] = field(default_factory=list)


class Progress(Protocol):
    def add_total(self, nbytes: int) -> None: ...

    def advance(self, messages: int, nbytes: int) -> None: ...


class NoProgress:
    def add_total(self, nbytes: int) -> None:
        pass

    def advance(self, messages: int, nbytes: int) -> None:
        pass


def parse_many(raws: list[bytes]) -> list[ParsedMessage]:
    """Parse a slice of a batch (runs in a worker process)."""
    return [parse_message(raw) for raw in raws]


class _Dedup:
    """Occurrences of each message (by hash) in the source so far, and the copies the target
    mailbox held before this run, for the hashes where that is not 0."""

    def __init__(self) -> None:
        self.seen: dict[bytes, int] = {}
        self.before: dict[bytes, int] = {}

    def unknown(self, digests: list[bytes]) -> list[bytes]:
        return list({d for d in digests if d not in self.seen})

    def learn(self, copies: dict[bytes, int]) -> None:
        self.before.update((d, n) for d, n in copies.items() if n)

    def take(self, digest: bytes) -> bool:
        """Count one more occurrence; True when it is to be imported."""
        n = self.seen.get(digest, 0) + 1
        self.seen[digest] = n
        return n > self.before.get(digest, 0)


@dataclass(slots=True)
class _Batch:
    messages: list[tuple[SourceMessage, bytes]]
    error: TransferError | None
    done: bool


class Importer:
    """Imports sources into accounts; an async context manager (it owns the parser processes)."""

    def __init__(
        self, store: Store, options: ImportOptions | None = None, progress: Progress | None = None
    ):
        self.store = store
        self.bulk = Bulk(store.db)
        self.options = options or ImportOptions()
        self.progress: Progress = progress or NoProgress()
        self._pool: Executor | None = None
        self._workers = 0
        self._parsed = 0

    async def __aenter__(self) -> Importer:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    # -- one source mailbox ----------------------------------------------------------------------
    async def run(self, account_id: int, source: Source) -> MailboxResult:
        """Import ``source`` into ``account_id``'s mailbox ``source.mailbox`` (created if
        missing); see the module docstring."""
        started = time.perf_counter()
        result = MailboxResult(source.mailbox, str(source.path))
        box = await self._target(account_id, source.mailbox, result)
        dedup = _Dedup()
        messages = iter(source)
        pending: asyncio.Task[None] | None = None
        try:
            while True:
                batch = await asyncio.to_thread(self._read_batch, messages)
                todo = await self._dedup(account_id, box, dedup, batch.messages, result)
                if todo and box is not None and not self.options.dry_run:
                    parsed = await self._parse([m.raw for m, _ in todo])
                    if pending is not None:
                        await pending
                    pending = asyncio.create_task(
                        self._store(account_id, box, source, todo, parsed, result)
                    )
                if batch.error is not None:
                    raise batch.error
                if batch.done:
                    break
            if pending is not None:
                await pending
                pending = None
            if box is not None and not self.options.dry_run:
                await self._finish_uids(account_id, box, source, result)
        except BaseException:
            if pending is not None and not pending.done():
                # let the batch in flight commit (or fail) before reporting the first error
                await asyncio.gather(pending, return_exceptions=True)
            raise
        finally:
            result.format = source.format
            result.notes.extend(source.notes)
            result.seconds = time.perf_counter() - started
        return result

    async def _target(
        self, account_id: int, name: str, result: MailboxResult
    ) -> MailboxInfo | None:
        try:
            return await self.store.mailboxes.get(account_id, name)
        except NotFound:
            pass
        result.created = True
        if self.options.dry_run:
            return None
        try:
            return await self.store.mailboxes.create(account_id, name)
        except AlreadyExists:  # created meanwhile
            result.created = False
            return await self.store.mailboxes.get(account_id, name)

    def _read_batch(self, messages: Iterator[SourceMessage]) -> _Batch:
        """Up to a batch of messages with their sha256 (runs in a worker thread)."""
        out: list[tuple[SourceMessage, bytes]] = []
        size = 0
        while len(out) < self.options.batch_messages and size < self.options.batch_bytes:
            try:
                message = next(messages)
            except StopIteration:
                return _Batch(out, None, True)
            except TransferError as exc:
                return _Batch(out, exc, True)
            out.append((message, hashlib.sha256(message.raw).digest()))
            size += len(message.raw)
        return _Batch(out, None, False)

    async def _dedup(
        self,
        account_id: int,
        box: MailboxInfo | None,
        dedup: _Dedup,
        batch: list[tuple[SourceMessage, bytes]],
        result: MailboxResult,
    ) -> list[tuple[SourceMessage, bytes]]:
        unknown = dedup.unknown([d for _, d in batch])
        if box is not None and unknown:
            dedup.learn(await self.bulk.copies(account_id, box.id, unknown))
        todo: list[tuple[SourceMessage, bytes]] = []
        nbytes = 0
        for message, digest in batch:
            nbytes += len(message.raw)
            problem = defect(message.raw)
            if problem is not None:
                result.malformed += 1
                if len(result.malformed_examples) < MAX_EXAMPLES:
                    where = f"{message.path}" + (f" @{message.offset}" if message.offset else "")
                    result.malformed_examples.append(f"{where}: {problem}")
            if dedup.take(digest):
                todo.append((message, digest))
            else:
                result.present += 1
        result.found += len(batch)
        result.bytes_read += nbytes
        if self.options.dry_run:
            result.imported += len(todo)
            result.bytes_imported += sum(len(m.raw) for m, _ in todo)
        self.progress.advance(len(batch), nbytes)
        return todo

    # -- parse -----------------------------------------------------------------------------------
    def _executor(self) -> tuple[Executor | None, int]:
        if self._pool is not None:
            return self._pool, self._workers
        wanted = self.options.parse_workers
        if wanted is None:
            if self._parsed < POOL_AFTER:
                return None, 0  # a small import: not worth starting processes
            wanted = max(0, min((os.cpu_count() or 1) - 1, 4))
        if wanted <= 0:
            return None, 0
        self._pool = ProcessPoolExecutor(wanted, mp_context=multiprocessing.get_context("spawn"))
        self._workers = wanted
        return self._pool, wanted

    async def _parse(self, raws: list[bytes]) -> list[ParsedMessage]:
        pool, workers = self._executor()
        self._parsed += len(raws)
        if pool is None:
            return parse_many(raws)
        loop = asyncio.get_running_loop()
        step = -(-len(raws) // workers)
        slices = [raws[i : i + step] for i in range(0, len(raws), step)]
        parts = await asyncio.gather(*(loop.run_in_executor(pool, parse_many, s) for s in slices))
        return [p for part in parts for p in part]

    # -- store -----------------------------------------------------------------------------------
    async def _store(
        self,
        account_id: int,
        box: MailboxInfo,
        source: Source,
        todo: list[tuple[SourceMessage, bytes]],
        parsed: list[ParsedMessage],
        result: MailboxResult,
    ) -> None:
        items: list[tuple[Incoming, Target]] = []
        now = datetime.now(UTC)
        for (message, _), p in zip(todo, parsed, strict=True):
            flags, dropped = clean_flags(message.flags)
            result.dropped_keywords += len(dropped)
            date = message.internal_date or p.sent_date or now
            if date.tzinfo is None:
                date = date.replace(tzinfo=UTC)
            target = Target(account_id, box.name, flags, fallback_to_inbox=False)
            items.append((Incoming(message.raw, p, date), target))
        uids = [m.uid for m, _ in todo]
        results = await self.bulk.store(items, uids, source.uidvalidity)
        for (message, _), stored in zip(todo, results, strict=True):
            if not isinstance(stored, Stored):
                error = (
                    stored if isinstance(stored, MailstoreError) else MailstoreError(str(stored))
                )
                raise type(error)(
                    f"{box.name}: {error} (after {result.imported} messages from "
                    f"{source.path}; stopped at {message.path}"
                    + (f" byte {message.offset})" if message.offset else ")")
                )
            result.imported += 1
            result.bytes_imported += len(message.raw)
            if message.uid is not None and stored.uid == message.uid:
                result.uids_kept += 1

    async def _finish_uids(
        self, account_id: int, box: MailboxInfo, source: Source, result: MailboxResult
    ) -> None:
        if source.uidvalidity is None or not source.uidnext:
            return
        await self.bulk.raise_uidnext(account_id, box.id, source.uidvalidity, source.uidnext)
        info = await self.store.mailboxes.get_by_id(account_id, box.id)
        if info.uidvalidity != source.uidvalidity:
            result.notes.append(
                f"{box.name}: UIDs not kept (the mailbox already had messages, UIDVALIDITY "
                f"{info.uidvalidity})"
            )
