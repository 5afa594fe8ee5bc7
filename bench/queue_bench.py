"""Outbound queue throughput and latency: submission 250 -> remote 250, all on loopback.

    python -m bench.queue_bench [--count 10000] [--clients 8] [--concurrency 20]
                                [--per-destination 4] [--domains 10] [--rate 0]

One process runs what ``mailstore serve`` runs for this path: the submission listener
(STARTTLS + AUTH, servers/smtp) and the queue workers (mailstore/outbound), on one event loop,
against a temporary embedded PostgreSQL (fsync and synchronous_commit on) or a fresh database
on ``--database-url``. A client process (aiosmtplib) submits COUNT messages to recipients in
DOMAINS remote domains over CLIENTS connections, optionally paced at RATE msgs/s; the test DNS
responder (tests/dnsserver.py) points every domain's MX at a sink process (aiosmtpd) on
127.0.0.1. Prints the submission and delivery rates and the latency from each submission's
``250`` (after COMMIT of the queue row) to the sink's ``250`` for it, p50/p99 (both processes
stamp CLOCK_MONOTONIC, which Linux shares between processes). Unpaced, the latency is mostly
queueing behind the backlog; with ``--rate`` below the delivery rate it is the queue's own
pickup-and-send time. ``--preload`` queues everything through the engine first and times the
workers alone (their delivery rate). Bounded: COUNT messages, ``--time-limit`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import multiprocessing
import os
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiosmtplib

from mailstore.config import (
    DNSConfig,
    ListenersConfig,
    QueueConfig,
    ServerConfig,
    load_config,
)
from mailstore.embedded import start_embedded
from mailstore.migrate import upgrade_async
from mailstore.outbound.worker import QueueRunner
from mailstore.store import Passwords, Store
from mailstore.tls import make_self_signed, server_context
from tests.dnsserver import DNSServer

SENDER = "bench@example.org"
PASSWORD = "bench"
BODY = ("The quick brown fox jumps over the lazy dog. " * 2 + "\r\n") * 30  # ~2.7 KB


def message(seq: int, domains: int) -> tuple[str, bytes]:
    rcpt = f"user{seq}@dom{seq % domains}.test"
    raw = (
        f"From: Bench <{SENDER}>\r\nTo: <{rcpt}>\r\nSubject: queue bench {seq}\r\n"
        f"Message-ID: <bench.{seq}@example.org>\r\nX-Bench-Seq: {seq}\r\n\r\n{BODY}"
    ).encode()
    return rcpt, raw


# -- the sink (a separate process) ----------------------------------------------------------------
def sink_main(count: int, limit: float, out: Any) -> None:
    asyncio.run(_sink(count, limit, out))


async def _sink(count: int, limit: float, out: Any) -> None:
    from aiosmtpd.smtp import SMTP

    stamps: dict[int, float] = {}
    done = asyncio.Event()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            content = envelope.content
            at = content.find(b"X-Bench-Seq: ")
            seq = int(content[at + 13 : content.index(b"\r\n", at)])
            stamps.setdefault(seq, time.monotonic())
            if len(stamps) >= count:
                done.set()
            return "250 2.0.0 Ok"

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(Handler(), hostname="sink.test"), "127.0.0.1", 0
    )
    out.send(server.sockets[0].getsockname()[1])
    try:
        await asyncio.wait_for(done.wait(), limit + 120)
    except TimeoutError:
        pass
    out.send(stamps)
    server.close()


# -- the client (a separate process) --------------------------------------------------------------
def client_main(port: int, args: SimpleNamespace, out: Any) -> None:
    out.send(asyncio.run(_client(port, args)))


async def _client(port: int, args: SimpleNamespace) -> dict[str, Any]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for seq in range(args.count):
        queue.put_nowait(seq)
    stamps: dict[int, float] = {}
    failures: list[str] = []
    start = time.monotonic()
    deadline = start + args.time_limit
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    async def connection() -> None:
        client = aiosmtplib.SMTP(
            hostname="127.0.0.1", port=port, start_tls=True, tls_context=context, timeout=60
        )
        await client.connect()
        await client.login(SENDER, PASSWORD)
        try:
            while time.monotonic() < deadline:
                try:
                    seq = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                if args.rate:  # pace: message seq is due at start + seq / rate
                    await asyncio.sleep(max(0.0, start + seq / args.rate - time.monotonic()))
                rcpt, raw = message(seq, args.domains)
                try:
                    await client.sendmail(SENDER, [rcpt], raw)
                    stamps[seq] = time.monotonic()
                except aiosmtplib.SMTPResponseException as exc:
                    failures.append(f"{exc.code} {exc.message}")
        finally:
            await client.quit()

    await asyncio.gather(*(connection() for _ in range(args.clients)))
    return {"stamps": stamps, "failures": failures, "elapsed": time.monotonic() - start}


# -- the server side ------------------------------------------------------------------------------
async def run(args: argparse.Namespace, url: str, home: Path) -> dict[str, Any]:
    from servers.smtp.checks import NoChecks
    from servers.smtp.service import SMTPService

    await upgrade_async(url)
    pool = args.concurrency + args.clients + 8
    store = await Store.open(url, min_size=2, max_size=pool, passwords=Passwords(1, 1024))
    spawn = multiprocessing.get_context("spawn")
    sink_recv, sink_send = spawn.Pipe(duplex=False)
    sink = spawn.Process(target=sink_main, args=(args.count, args.time_limit, sink_send))
    sink.start()
    dns = DNSServer()
    stop = asyncio.Event()
    try:
        await store.directory.add_domain("example.org")
        await store.directory.add_account(SENDER, PASSWORD)
        sink_port = await _receive(sink_recv, 60)
        for i in range(args.domains):
            dns.set(f"dom{i}.test", "MX", ["10 mx.sink.test."])
        dns.set("mx.sink.test", "A", ["127.0.0.1"])
        config = load_config(home=home, environ={})
        listeners = ListenersConfig(**{f.name: "" for f in dataclasses.fields(ListenersConfig)})
        config = dataclasses.replace(
            config,
            server=ServerConfig(hostname="mx.example.org"),
            listeners=dataclasses.replace(listeners, submission="127.0.0.1:0"),
            dns=DNSConfig(nameservers=[dns.nameserver]),
            queue=QueueConfig(
                remote_port=sink_port,
                concurrency=args.concurrency,
                per_destination=args.per_destination,
            ),
        )
        cert, key = home / "bench.crt", home / "bench.key"
        make_self_signed("localhost", cert, key)
        context = SimpleNamespace(config=config, store=store, tls=server_context(cert, key))
        service = SMTPService(context, checks=NoChecks())
        await service.start()
        if args.preload:
            client = await _preload(store, args)
        workers = asyncio.create_task(QueueRunner(store, config).run(stop))
        try:
            if not args.preload:
                client = await _drive(args, service.ports["submission"])
            stamps = await _receive(sink_recv, args.time_limit + 180)
        finally:
            stop.set()
            await workers
            await service.stop()
        return {**client, "delivered": stamps}
    finally:
        dns.close()
        sink.join(timeout=10)
        if sink.is_alive():
            sink.kill()
        await store.close()


async def _preload(store: Store, args: argparse.Namespace) -> dict[str, Any]:
    """Queue every message through the engine first (no submission); stamps = start of
    delivery, so the figures are the workers' alone."""
    from mailstore.store import prepare

    sem = asyncio.Semaphore(16)
    started = time.monotonic()

    async def one(seq: int) -> None:
        rcpt, raw = message(seq, args.domains)
        async with sem:
            await store.queue.enqueue(SENDER, [rcpt], await prepare(raw))

    await asyncio.gather(*(one(seq) for seq in range(args.count)))
    elapsed = time.monotonic() - started
    print(f"preloaded {args.count} messages in {elapsed:.1f} s; starting the workers")
    now = time.monotonic()
    return {"stamps": dict.fromkeys(range(args.count), now), "failures": [], "elapsed": elapsed}


async def _receive(conn: Any, wait: float) -> Any:
    loop = asyncio.get_running_loop()
    ready = asyncio.Event()
    loop.add_reader(conn.fileno(), ready.set)
    try:
        await asyncio.wait_for(ready.wait(), wait)
    finally:
        loop.remove_reader(conn.fileno())
    return conn.recv()


async def _drive(args: argparse.Namespace, port: int) -> dict[str, Any]:
    spawn = multiprocessing.get_context("spawn")
    receive, send = spawn.Pipe(duplex=False)
    options = SimpleNamespace(
        count=args.count,
        clients=args.clients,
        domains=args.domains,
        rate=args.rate,
        time_limit=args.time_limit,
    )
    client = spawn.Process(target=client_main, args=(port, options, send))
    client.start()
    send.close()
    try:
        return await _receive(receive, args.time_limit + 300)  # type: ignore[no-any-return]
    finally:
        client.join(timeout=10)
        if client.is_alive():
            client.kill()


def report(args: argparse.Namespace, result: dict[str, Any]) -> None:
    submitted: dict[int, float] = result["stamps"]
    delivered: dict[int, float] = result["delivered"]
    if not submitted:
        print("nothing was submitted", result["failures"][:5])
        return
    first = min(submitted.values())
    latencies = sorted(delivered[s] - submitted[s] for s in submitted if s in delivered)
    if not args.preload:
        print(
            f"submitted {len(submitted)} of {args.count} over {args.clients} connections in "
            f"{result['elapsed']:.1f} s: {len(submitted) / result['elapsed']:.0f} msgs/s"
            + (f" (paced at {args.rate}/s)" if args.rate else "")
        )
    if delivered:
        span = max(delivered.values()) - first
        print(
            f"delivered {len(delivered)} to the sink in {span:.1f} s after the first "
            f"submission: {len(delivered) / span:.0f} msgs/s "
            f"({args.concurrency} lanes, {args.per_destination} per domain, {args.domains} domains)"
        )
    if latencies and not args.preload:
        p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
        print(
            f"submission 250 -> remote 250: p50 {statistics.median(latencies) * 1000:.1f} ms, "
            f"p99 {p99 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
        )
    if result["failures"]:
        print(f"{len(result['failures'])} refused, e.g. {result['failures'][:3]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--per-destination", type=int, default=4)
    parser.add_argument("--domains", type=int, default=10)
    parser.add_argument("--rate", type=float, default=0.0, help="msgs/s to submit (0: no pacing)")
    parser.add_argument(
        "--preload",
        action="store_true",
        help="queue everything through the engine first, then time the workers alone",
    )
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds of sending")
    parser.add_argument(
        "--database-url", default=os.environ.get("MAILSTORE_BENCH_DATABASE_URL", "")
    )
    args = parser.parse_args()
    if not 1 <= args.count <= 100_000:
        sys.exit("--count must be between 1 and 100,000")
    if not (1 <= args.clients <= 100 and 1 <= args.concurrency <= 500 and args.domains >= 1):
        sys.exit("--clients 1..100, --concurrency 1..500, --domains >= 1")
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="mailstore-bench-") as tmp:
        home = Path(tmp)
        if args.database_url:
            from bench.smtp_ingest import _create_db

            url = asyncio.run(_create_db(args.database_url, "mailstore_bench_queue"))
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
