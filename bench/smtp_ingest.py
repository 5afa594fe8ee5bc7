"""SMTP ingest throughput: corpus messages over concurrent, reused connections to the MX.

    python -m bench.smtp_ingest [--count 2000] [--concurrency 16] [--database-url URL]

Starts the SMTP service (MX listener only, on 127.0.0.1 port 0) against a temporary embedded
PostgreSQL (fsync and synchronous_commit on), or a fresh database on ``--database-url``, with
10 accounts the corpus (bench/corpus/) is addressed to. A client process (aiosmtplib, so the
load does not share the server's event loop) sends COUNT messages over CONCURRENCY connections,
each reused for many transactions, and prints accepted msgs/s and the p50/p99 latency from the
end of DATA (the final ``.<CRLF>`` written) to the ``250`` reply, which the server sends only
after COMMIT. Bounded: COUNT messages at most, and ``--time-limit`` seconds of sending.
SPF/DKIM/DMARC checks are off (they would measure the DNS server).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiosmtplib
import asyncpg

from bench.corpus import generate
from mailstore.config import ListenersConfig, load_config
from mailstore.embedded import start_embedded
from mailstore.migrate import upgrade_async
from mailstore.store import Passwords, Store
from servers.runner import Context
from servers.smtp.checks import NoChecks
from servers.smtp.service import SMTPService

ACCOUNTS = [f"user{i}@example.org" for i in range(10)]


# -- client side (a separate process) -------------------------------------------------------------
def client_main(
    host: str,
    port: int,
    count: int,
    concurrency: int,
    seed: int,
    limit: float,
    out: Any,
    recipients: list[str] | None = None,
) -> None:
    """Entry point of the client process: send, then report through ``out`` (a Pipe end)."""
    out.send(asyncio.run(_client(host, port, count, concurrency, seed, limit, recipients)))
    out.close()


async def _client(
    host: str,
    port: int,
    count: int,
    concurrency: int,
    seed: int,
    limit: float,
    recipients: list[str] | None = None,
) -> dict:
    corpus = list(generate(count, seed=seed, recipients=recipients or ACCOUNTS))
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for message in corpus:
        queue.put_nowait(message)
    latencies: list[float] = []
    failures: list[str] = []
    sent_bytes = 0
    deadline = time.perf_counter() + limit

    async def worker() -> None:
        nonlocal sent_bytes
        client = aiosmtplib.SMTP(hostname=host, port=port, start_tls=False, timeout=60)
        await client.connect()
        marks: list[float] = []
        protocol = client.protocol
        assert protocol is not None
        write = protocol.write

        def timed_write(data: bytes) -> None:
            write(data)
            if data.endswith(b"\r\n.\r\n"):
                marks.append(time.perf_counter())  # the end of DATA is on its way

        protocol.write = timed_write  # type: ignore[method-assign]
        try:
            while time.perf_counter() < deadline:
                try:
                    message = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                options = ["BODY=8BITMIME"] if not message.raw.isascii() else []
                try:
                    await client.mail(message.mail_from, options=options)
                    for rcpt in message.rcpt_to:
                        await client.rcpt(rcpt)
                    await client.data(message.raw)
                    latencies.append(time.perf_counter() - marks[-1])
                    sent_bytes += len(message.raw)
                except aiosmtplib.SMTPResponseException as exc:
                    failures.append(f"{exc.code} {exc.message}")
                    await client.rset()
        finally:
            await client.quit()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return {
        "accepted": len(latencies),
        "failures": failures,
        "elapsed": elapsed,
        "bytes": sent_bytes,
        "latencies": latencies,
    }


# -- server side -----------------------------------------------------------------------------------
async def _create_db(admin_url: str, name: str) -> str:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def run(args: argparse.Namespace, url: str, home: Path) -> dict:
    await upgrade_async(url)
    store = await Store.open(url, min_size=1, max_size=2, passwords=Passwords(1, 1024))
    try:
        await store.directory.add_domain("example.org")
        for address in ACCOUNTS:
            await store.directory.add_account(address, None)
    finally:
        await store.close()
    async with serve_mx(url, home, args.concurrency) as port:
        return await drive(
            "127.0.0.1", port, args.count, args.concurrency, args.seed, args.time_limit
        )


@contextlib.asynccontextmanager
async def serve_mx(url: str, home: Path, concurrency: int) -> AsyncIterator[int]:
    """Our MX alone (SPF/DKIM/DMARC off) on 127.0.0.1 port 0, on this event loop; yields the port.

    The checks are off because they would measure the DNS server, and Postfix's stock
    configuration makes none either.
    """
    store = await Store.open(
        url, min_size=2, max_size=concurrency + 4, passwords=Passwords(1, 1024)
    )
    try:
        config = load_config(home=home, environ={})
        listeners = ListenersConfig(**{f.name: "" for f in dataclasses.fields(ListenersConfig)})
        config = dataclasses.replace(
            config, listeners=dataclasses.replace(listeners, smtp="127.0.0.1:0")
        )
        # the front ends' own context (no TLS, no change listener: the MX needs neither)
        context = Context(config=config, store=store, listener=None, tls=None)  # type: ignore[arg-type]
        service = SMTPService(context, checks=NoChecks())
        for line in await service.start():
            print(line)
        try:
            yield service.ports["smtp"]
        finally:
            await service.stop()
    finally:
        await store.close()


async def drive(
    host: str,
    port: int,
    count: int,
    concurrency: int,
    seed: int = 1,
    limit: float = 300.0,
    recipients: list[str] | None = None,
) -> dict:
    """Run the client process against ``host:port`` while this event loop serves (or waits).

    Returns the client's raw result: accepted, failures, elapsed, bytes, latencies.
    """
    spawn = multiprocessing.get_context("spawn")
    receive, send = spawn.Pipe(duplex=False)
    client = spawn.Process(
        target=client_main,
        args=(host, port, count, concurrency, seed, limit, send, recipients),
    )
    client.start()
    send.close()
    loop = asyncio.get_running_loop()
    try:
        ready = asyncio.Event()
        loop.add_reader(receive.fileno(), ready.set)
        try:
            await asyncio.wait_for(ready.wait(), limit + 300)
        finally:
            loop.remove_reader(receive.fileno())
        return receive.recv()
    finally:
        client.join(timeout=10)
        if client.is_alive():
            client.kill()


def summarise(result: dict) -> dict[str, float]:
    """msgs/s and the p50/p99 latency (ms) of a :func:`drive` result."""
    latencies = sorted(result["latencies"])
    if not latencies:
        return {"accepted": 0, "msgs_per_s": 0.0, "p50_ms": 0.0, "p99_ms": 0.0}
    return {
        "accepted": len(latencies),
        "msgs_per_s": len(latencies) / result["elapsed"],
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
    }


def report(args: argparse.Namespace, result: dict) -> None:
    latencies = sorted(result["latencies"])
    if not latencies:
        print("no message was accepted", result["failures"][:5])
        return
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    print(
        f"{result['accepted']} of {args.count} messages accepted over {args.concurrency} "
        f"connections in {result['elapsed']:.1f} s: "
        f"{result['accepted'] / result['elapsed']:.0f} msgs/s, "
        f"{result['bytes'] / result['elapsed'] / 1e6:.1f} MB/s"
    )
    print(
        f"end of DATA -> 250: p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
    )
    if result["failures"]:
        print(f"{len(result['failures'])} refused, e.g. {result['failures'][:3]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds of sending")
    parser.add_argument(
        "--database-url", default=os.environ.get("MAILSTORE_BENCH_DATABASE_URL", "")
    )
    args = parser.parse_args()
    if not 1 <= args.count <= 200_000:
        sys.exit("--count must be between 1 and 200,000")
    if not 1 <= args.concurrency <= 500:
        sys.exit("--concurrency must be between 1 and 500")
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="mailstore-bench-") as tmp:
        home = Path(tmp)
        if args.database_url:
            url = asyncio.run(_create_db(args.database_url, "mailstore_bench_smtp"))
            result = asyncio.run(run(args, url, home))
        else:
            server, url = start_embedded(home / "db", "mailstore_bench")
            try:
                result = asyncio.run(run(args, url, home))
            finally:
                server.cleanup()
    report(args, result)


if __name__ == "__main__":
    main()
