"""Import and export throughput of the migration tools, and the importer's peak memory.

    python -m bench.import_bench --count 10000 [--batch 250] [--workers N] [--database-url URL]

Writes COUNT corpus messages (bench/corpus/) as an mboxrd file and as a Maildir (in a
separate process, so their generation does not count in this process's memory), then through
the real importer (:mod:`mailstore.transfer`) imports the mbox into one account and the
Maildir into another, runs the mbox import again (every message already there: the cost of a
resumed or repeated run), and exports both mailboxes back as mbox and Maildir. Prints msgs/s
and MB/s for each step and the peak RSS of this process and of the parser processes. Without
``--database-url`` it runs on a temporary embedded PostgreSQL (fsync and synchronous_commit
on, as in production).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.deliver import _create_db
from mailstore.embedded import start_embedded
from mailstore.migrate import upgrade_async
from mailstore.store import Passwords, Store
from mailstore.transfer import (
    Exporter,
    Importer,
    ImportOptions,
    MaildirReader,
    MboxReader,
    find_folders,
)
from mailstore.transfer.importer import MailboxResult

MAX_COUNT = 1_000_000


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def write_corpus(count: int, seed: int, fmt: str, out: Path) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "bench.corpus", "--count", str(count), "--seed", str(seed)]
    command += ["--format", fmt, "--out", str(out)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def report(label: str, messages: int, nbytes: int, seconds: float) -> None:
    print(
        f"{label:<34} {messages:>9,} msgs {nbytes / 1e6:>9.1f} MB {seconds:>7.1f} s "
        f"{messages / seconds:>8,.0f} msgs/s {nbytes / 1e6 / seconds:>7.1f} MB/s",
        flush=True,
    )


async def run(args: argparse.Namespace, url: str, work: Path) -> None:
    await upgrade_async(url)
    store = await Store.open(url, min_size=2, max_size=4, passwords=Passwords(1, 1024))
    options = ImportOptions(batch_messages=args.batch, parse_workers=args.workers)
    try:
        await store.directory.add_domain("example.org")
        one = await store.directory.add_account("mbox@example.org", None)
        two = await store.directory.add_account("maildir@example.org", None)
        async with Importer(store, options) as importer:
            t0 = time.perf_counter()
            result: MailboxResult = await importer.run(
                one.id, MboxReader(work / "corpus.mbox", "Archive")
            )
            dt = time.perf_counter() - t0
            report("import mbox", result.imported, result.bytes_imported, dt)
            print(f"  peak RSS after mbox import: {peak_rss_mb():.0f} MB (this process)")

            t0 = time.perf_counter()
            imported = size = 0
            for folder in find_folders(work / "Maildir"):
                r = await importer.run(two.id, MaildirReader(folder))
                imported += r.imported
                size += r.bytes_imported
            report("import Maildir", imported, size, time.perf_counter() - t0)

            t0 = time.perf_counter()
            again = await importer.run(one.id, MboxReader(work / "corpus.mbox", "Archive"))
            dt = time.perf_counter() - t0
            assert again.imported == 0, again
            report("import mbox again (all present)", again.present, again.bytes_read, dt)
        print(
            f"  peak RSS: {peak_rss_mb():.0f} MB this process, "
            f"{peak_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB largest child "
            "(corpus writer or a parser process)"
        )

        exporter = Exporter(store)
        box = await store.mailboxes.get(one.id, "Archive")
        t0 = time.perf_counter()
        out = await exporter.mbox(one.id, box, work / "export.mbox")
        report("export mbox", out.messages, out.bytes, time.perf_counter() - t0)
        t0 = time.perf_counter()
        out = await exporter.maildir(one.id, box, work / "export-maildir")
        report("export Maildir", out.messages, out.bytes, time.perf_counter() - t0)
        print(f"  peak RSS at the end: {peak_rss_mb():.0f} MB (this process)")
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--workers", type=int, default=None, help="parser processes")
    parser.add_argument(
        "--database-url", default=os.environ.get("MAILSTORE_BENCH_DATABASE_URL", "")
    )
    args = parser.parse_args()
    if not 1 <= args.count <= MAX_COUNT:
        sys.exit(f"--count must be between 1 and {MAX_COUNT:,}")
    with tempfile.TemporaryDirectory(prefix="mailstore-import-bench-") as tmp:
        work = Path(tmp)
        dt = write_corpus(args.count, args.seed, "mbox", work / "corpus.mbox")
        dt += write_corpus(args.count, args.seed, "maildir", work / "Maildir")
        size = (work / "corpus.mbox").stat().st_size
        print(f"corpus: {args.count:,} messages, mbox {size / 1e6:.1f} MB (written in {dt:.1f} s)")
        print(f"cores: {os.cpu_count()}, batch {args.batch}, parser processes {args.workers}")
        if args.database_url:
            url = asyncio.run(_create_db(args.database_url, "mailstore_import_bench"))
            asyncio.run(run(args, url, work))
            return
        server, url = start_embedded(work / "pg", "mailstore_bench")
        try:
            asyncio.run(run(args, url, work))
        finally:
            server.cleanup()


if __name__ == "__main__":
    main()
