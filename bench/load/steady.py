"""Steady inbound SMTP at a fixed rate for minutes: DATA-to-250 latency over time, and memory.

    python -m bench.load.steady [--rate 100] [--minutes 10] [--connections 16]

Starts `mailstore serve` (bench/load/server.py) with SPF/DKIM/DMARC checks on, their queries
answered by the loopback DNS responder of the tests (tests/dnsserver.py; the sender domains have
no records, so each check ends in "none"; answers and NXDOMAINs carry a 300 s TTL, as real zones
do, so the server's DNS cache works as in production: each sender domain is looked up once),
then sends corpus messages (bench/corpus/) at
RATE messages per second over CONNECTIONS reused connections to the MX for MINUTES minutes.
Each message has its start time fixed in advance (t0 + i/RATE), so a server that falls behind
shows as growing lateness, not as a silently lower rate. Prints per-minute p50/p99/max of the
time from the end of DATA to the ``250`` (sent only after COMMIT), the messages late by more
than a second, and the server's RSS each minute. Bounded: RATE x MINUTES x 60 messages.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import aiosmtplib

from bench.corpus import generate
from bench.load.server import percentile, prepare_database, start_server
from tests.dnsserver import DNSServer

DOMAIN = "example.org"
USERS = [f"user{i}" for i in range(10)]


async def run(args: argparse.Namespace) -> None:
    total = int(args.rate * args.minutes * 60)
    with tempfile.TemporaryDirectory(prefix="mailstore-steady-") as tmp:
        home = Path(tmp)
        pg, url = await prepare_database(home, DOMAIN, USERS)
        dns = DNSServer(ttl=300)
        server = start_server(home, url, {"MAILSTORE_DNS_NAMESERVERS": dns.nameserver})
        try:
            corpus = list(
                generate(min(total, 5000), seed=7, recipients=[f"{u}@{DOMAIN}" for u in USERS])
            )
            rss = [(0.0, server.rss_mib())]
            by_minute: dict[int, list[float]] = {}
            late = failed = sent = 0
            t0 = time.perf_counter() + 1.0
            next_index = 0

            async def worker() -> None:
                nonlocal late, failed, sent, next_index
                client = aiosmtplib.SMTP(
                    hostname="127.0.0.1", port=server.ports["smtp"], timeout=60, start_tls=False
                )
                await client.connect()
                marks: list[float] = []
                protocol: Any = client.protocol
                write = protocol.write

                def timed_write(data: bytes) -> None:
                    write(data)
                    if data.endswith(b"\r\n.\r\n"):
                        marks.append(time.perf_counter())

                protocol.write = timed_write
                try:
                    while next_index < total:
                        i = next_index
                        next_index += 1
                        due = t0 + i / args.rate
                        wait = due - time.perf_counter()
                        if wait > 0:
                            await asyncio.sleep(wait)
                        elif wait < -1.0:
                            late += 1
                        message = corpus[i % len(corpus)]
                        try:
                            await client.sendmail(
                                message.mail_from, list(message.rcpt_to), message.raw
                            )
                        except aiosmtplib.SMTPException:
                            failed += 1
                            continue
                        done = time.perf_counter()
                        minute = int((due - t0) // 60)
                        by_minute.setdefault(minute, []).append(done - marks[-1])
                        sent += 1
                finally:
                    try:
                        await client.quit()
                    except aiosmtplib.SMTPException:
                        pass

            async def sampler() -> None:
                while next_index < total:
                    await asyncio.sleep(60)
                    rss.append((time.perf_counter() - t0, server.rss_mib()))

            sampling = asyncio.create_task(sampler())
            await asyncio.gather(*(worker() for _ in range(args.connections)))
            sampling.cancel()
            elapsed = time.perf_counter() - t0
            rss.append((elapsed, server.rss_mib()))
            print(
                f"{sent} accepted, {failed} refused, in {elapsed:.0f} s ({sent / elapsed:.1f} msgs/s; target {args.rate})"
            )
            print(f"messages started more than 1 s late: {late}")
            print("minute   count    p50 ms   p99 ms   max ms")
            everything: list[float] = []
            for minute in sorted(by_minute):
                ms = [x * 1000 for x in by_minute[minute]]
                everything += ms
                print(
                    f"{minute + 1:6d} {len(ms):7d} {percentile(ms, 0.5):9.1f} {percentile(ms, 0.99):8.1f} {max(ms):8.1f}"
                )
            print(
                f"overall: p50 {percentile(everything, 0.5):.1f} ms, p99 {percentile(everything, 0.99):.1f} ms"
            )
            print("server RSS: " + ", ".join(f"{t:.0f} s {m:.0f} MiB" for t, m in rss))
        finally:
            server.stop()
            pg.cleanup()  # stop the cluster before its folder goes
            dns.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100.0, help="messages per second")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
