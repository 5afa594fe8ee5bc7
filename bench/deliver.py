"""Delivery throughput through the engine API, and storage cost per message.

    python -m bench.deliver --count 10000 [--concurrency 8] [--database-url URL]

Prints, for the corpus (bench/corpus/): msgs/s and MB/s delivering COUNT messages into one
mailbox with durable commits (one transaction per message, CONCURRENCY concurrent deliveries),
the same in batches (one transaction per BATCH messages, as an importer does), stored bytes per
message, and the storage cost of one 1 MB message delivered to 100 users. Without
``--database-url`` it runs on a temporary embedded PostgreSQL (fsync and synchronous_commit on).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench.corpus import generate
from mailstore.embedded import start_embedded
from mailstore.migrate import upgrade_async
from mailstore.store import Passwords, Store, Target, prepare

TABLES = ("bodies", "messages", "body_terms", "index_queue")


async def _create_db(admin_url: str, name: str) -> str:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def storage_bytes(store: Store) -> int:
    total = 0
    for table in TABLES:
        total += await store.db.fetchval("SELECT pg_total_relation_size($1::regclass)", table)
    return total


async def bench_single(
    store: Store, account_id: int, raws: list[bytes], concurrency: int
) -> dict[str, float]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for raw in raws:
        queue.put_nowait(raw)
    latencies: list[float] = []

    async def worker() -> None:
        while True:
            try:
                raw = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            t0 = time.perf_counter()
            message = await prepare(raw)
            (result,) = await store.ingest.deliver(message, [Target(account_id)])
            if not hasattr(result, "uid"):
                raise RuntimeError(f"delivery failed: {result}")
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "msgs_per_s": len(raws) / elapsed,
        "mb_per_s": sum(map(len, raws)) / elapsed / 1e6,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "seconds": elapsed,
    }


async def bench_batch(
    store: Store, account_id: int, raws: list[bytes], batch: int
) -> dict[str, float]:
    start = time.perf_counter()
    for i in range(0, len(raws), batch):
        items = [(await prepare(raw), Target(account_id, "Archive")) for raw in raws[i : i + batch]]
        results = await store.ingest.store(items)
        if not all(hasattr(r, "uid") for r in results):
            raise RuntimeError("batch delivery failed")
    elapsed = time.perf_counter() - start
    return {
        "msgs_per_s": len(raws) / elapsed,
        "mb_per_s": sum(map(len, raws)) / elapsed / 1e6,
        "seconds": elapsed,
    }


async def bench_fanout(store: Store, users: int = 100, size: int = 1_000_000) -> dict[str, float]:
    accounts = [
        await store.directory.add_account(f"fan{i}@example.org", None) for i in range(users)
    ]
    rnd = random.Random(7)
    payload = rnd.randbytes(size * 3 // 4)
    import base64

    body = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    raw = (
        b"From: big@example.com\r\nTo: all@example.org\r\nSubject: one megabyte\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + body
    )
    await store.db.execute("VACUUM ANALYZE bodies")
    before = await storage_bytes(store)
    results = await store.ingest.deliver(await prepare(raw), [Target(a.id) for a in accounts])
    assert all(hasattr(r, "uid") for r in results)
    after = await storage_bytes(store)
    return {"message_bytes": len(raw), "users": users, "stored_bytes": after - before}


async def run(args: argparse.Namespace, url: str) -> None:
    await upgrade_async(url)
    store = await Store.open(
        url, min_size=2, max_size=args.concurrency + 2, passwords=Passwords(1, 1024)
    )
    try:
        await store.directory.add_domain("example.org")
        bob = await store.directory.add_account("bob@example.org", None)
        t0 = time.perf_counter()
        raws = [m.raw for m in generate(args.count, seed=args.seed)]
        total_mb = sum(map(len, raws)) / 1e6
        sizes = sorted(map(len, raws))
        print(
            f"corpus: {len(raws)} messages, {total_mb:.1f} MB, median {sizes[len(sizes) // 2]} B "
            f"(generated in {time.perf_counter() - t0:.1f} s)"
        )
        before = await storage_bytes(store)
        single = await bench_single(store, bob.id, raws, args.concurrency)
        print(
            f"deliver, one call per message (group commit), {args.concurrency} concurrent: "
            f"{single['msgs_per_s']:.0f} msgs/s, {single['mb_per_s']:.1f} MB/s, "
            f"p50 {single['p50_ms']:.1f} ms, p99 {single['p99_ms']:.1f} ms ({single['seconds']:.1f} s)"
        )
        t0 = time.perf_counter()
        indexed = await store.indexer.index_pending()
        dt = time.perf_counter() - t0
        print(
            f"search indexer (runs in the background in serve): {indexed} bodies in {dt:.1f} s, "
            f"{indexed / dt:.0f} bodies/s"
        )
        after = await storage_bytes(store)
        print(
            f"stored: {(after - before) / len(raws):.0f} bytes/message in {'+'.join(TABLES)} "
            f"(raw average {total_mb * 1e6 / len(raws):.0f} B; includes indexes and TOAST)"
        )
        batch = await bench_batch(store, bob.id, raws, args.batch)
        print(
            f"deliver, {args.batch} messages/transaction (import path), the same corpus "
            f"(bodies already stored): {batch['msgs_per_s']:.0f} msgs/s, {batch['mb_per_s']:.1f} MB/s"
        )
        fan = await bench_fanout(store)
        print(
            f"1 message of {fan['message_bytes'] / 1e6:.2f} MB to {fan['users']} users: "
            f"{fan['stored_bytes'] / 1e6:.2f} MB stored in total"
        )
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", default=os.environ.get("MAILSTORE_BENCH_DATABASE_URL", "")
    )
    args = parser.parse_args()
    if not 1 <= args.count <= 1_000_000:
        sys.exit("--count must be between 1 and 1,000,000")
    if args.database_url:
        url = asyncio.run(_create_db(args.database_url, "mailstore_bench"))
        asyncio.run(run(args, url))
        return
    with tempfile.TemporaryDirectory(prefix="mailstore-bench-") as tmp:
        server, url = start_embedded(Path(tmp), "mailstore_bench")
        try:
            asyncio.run(run(args, url))
        finally:
            server.cleanup()


if __name__ == "__main__":
    main()
