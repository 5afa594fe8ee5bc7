"""A reusable benchmark database: N corpus messages in one mailbox, made once, kept on disk.

    python -m bench.fixture --count 100000 --home /tmp/mailstore-bench-100k

Creates (or reuses) an embedded cluster in HOME, the account bench@example.org (password
"bench") and its INBOX filled through the engine's batch ingest path with the corpus flags,
then runs the search indexer. Benchmarks (bench/search.py, bench/imap_bench.py) open it.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from bench.corpus import generate
from mailstore.embedded import start_embedded
from mailstore.migrate import upgrade_async
from mailstore.store import Passwords, Store, Target, prepare

ACCOUNT = "bench@example.org"
PASSWORD = "bench"
BATCH = 500


async def fill(
    url: str, count: int, seed: int = 1, account: str = ACCOUNT, password: str = PASSWORD
) -> None:
    """Give ``account``'s INBOX the first ``count`` corpus messages (those missing), indexed."""
    await upgrade_async(url)
    store = await Store.open(url, min_size=1, max_size=4, passwords=Passwords(1, 1024))
    try:
        if not await store.directory.is_local_domain("example.org"):
            await store.directory.add_domain("example.org")
        try:
            row = await store.directory.get_account(account)
        except Exception:
            row = await store.directory.add_account(account, password)
        inbox = await store.mailboxes.get(row.id, "INBOX")
        have = inbox.messages
        if have >= count:
            print(f"{account} INBOX already holds {have} messages")
            return
        t0 = time.perf_counter()
        batch: list = []
        done = 0
        for m in generate(count, seed=seed):
            if m.index < have:
                continue
            incoming = await prepare(m.raw, m.internal_date)
            flags = tuple(f for f in m.flags if f != "\\Recent")
            batch.append((incoming, Target(row.id, "INBOX", flags, fallback_to_inbox=False)))
            if len(batch) >= BATCH:
                await store.ingest.store(batch)
                done += len(batch)
                batch = []
                rate = done / (time.perf_counter() - t0)
                print(f"\r{have + done}/{count} messages, {rate:.0f} msgs/s", end="", flush=True)
        if batch:
            await store.ingest.store(batch)
            done += len(batch)
        print(f"\nstored {done} messages in {time.perf_counter() - t0:.0f} s")
        t1 = time.perf_counter()
        indexed = await store.indexer.index_pending()
        print(f"indexed {indexed} bodies in {time.perf_counter() - t1:.0f} s")
        await store.db.execute("VACUUM ANALYZE")
    finally:
        await store.close()


def open_fixture(home: Path) -> tuple[object, str]:
    """Start the fixture's cluster; returns (server handle, database URL)."""
    return start_embedded(home, "mailstore_bench")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--home", type=Path, required=True)
    args = parser.parse_args()
    args.home.mkdir(parents=True, exist_ok=True)
    _server, url = open_fixture(args.home)
    asyncio.run(fill(url, args.count))


if __name__ == "__main__":
    main()
