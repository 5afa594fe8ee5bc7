"""A connection storm beyond the limits: refused with ``421 4.7.0`` / ``* BYE``, then recovery.

    python -m bench.load.storm [--waves 5] [--connections 3000] [--max-connections 1000]
                               [--per-address 50] [--imap]

Starts `mailstore serve` (bench/load/server.py), then in each wave opens CONNECTIONS SMTP
connections at once (and as many IMAP ones with ``--imap``), holding every accepted one open
so the limits (``[smtp] max_connections``, ``max_connections_per_address``; IMAP's 2,000) are
exceeded. Counts greetings by kind (220 / 421 4.7.0 / closed / timed out), samples the server's
RSS after each wave to show whether memory plateaus, releases the wave, and finally measures how
long until a normal client completes a mail transaction again. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiosmtplib

from bench.load.server import prepare_database, start_server

DOMAIN = "example.org"


async def _greet(port: int, held: list[asyncio.StreamWriter], kinds: Counter[str]) -> None:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
    except (OSError, TimeoutError):
        kinds["connect failed"] += 1
        return
    try:
        line = await asyncio.wait_for(reader.readline(), 30)
    except (OSError, TimeoutError):
        kinds["no greeting"] += 1
        writer.close()
        return
    if line.startswith(b"220") or line.startswith(b"* OK"):
        kinds["accepted"] += 1
        held.append(writer)
        return
    if line.startswith(b"421 4.7.0") or line.startswith(b"* BYE"):
        kinds["refused (421 4.7.0 / BYE)"] += 1
    elif not line:
        kinds["closed without reply"] += 1
    else:
        kinds[f"other: {line[:30]!r}"] += 1
    writer.close()


async def _wave(port: int, count: int) -> tuple[Counter[str], list[asyncio.StreamWriter], float]:
    kinds: Counter[str] = Counter()
    held: list[asyncio.StreamWriter] = []
    t0 = time.perf_counter()
    await asyncio.gather(*(_greet(port, held, kinds) for _ in range(count)))
    return kinds, held, time.perf_counter() - t0


async def _transaction(port: int) -> bool:
    try:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=10, start_tls=False)
        await smtp.connect()
        msg = f"From: a@remote.example\r\nTo: storm@{DOMAIN}\r\nSubject: after\r\n\r\nok\r\n"
        await smtp.sendmail("a@remote.example", [f"storm@{DOMAIN}"], msg)
        await smtp.quit()
        return True
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        return False


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="mailstore-storm-") as tmp:
        home = Path(tmp)
        pg, url = await prepare_database(home, DOMAIN, ["storm"])
        server = start_server(
            home,
            url,
            {
                "MAILSTORE_SMTP_MAX_CONNECTIONS": str(args.max_connections),
                "MAILSTORE_SMTP_MAX_CONNECTIONS_PER_ADDRESS": str(args.per_address),
            },
        )
        try:
            await asyncio.sleep(1)
            print(f"server RSS at start: {server.rss_mib():.0f} MiB")
            targets = [("smtp", server.ports["smtp"])]
            if args.imap:
                targets.append(("imap", server.ports["imap"]))
            for wave in range(1, args.waves + 1):
                held: list[asyncio.StreamWriter] = []
                for name, port in targets:
                    kinds, writers, took = await _wave(port, args.connections)
                    held += writers
                    summary = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
                    print(f"wave {wave} {name}: {args.connections} in {took:.1f} s: {summary}")
                print(f"wave {wave}: server RSS holding them {server.rss_mib():.0f} MiB")
                for writer in held:
                    writer.close()
                await asyncio.sleep(0.5)
            t0 = time.perf_counter()
            ok = False
            while time.perf_counter() - t0 < 60 and not ok:
                ok = await _transaction(server.ports["smtp"])
                if not ok:
                    await asyncio.sleep(0.2)
            took = time.perf_counter() - t0
            state = f"recovered in {took:.2f} s" if ok else "NOT recovered within 60 s"
            print(f"after the storm: a normal mail transaction {state}")
            await asyncio.sleep(3)
            print(f"server RSS after the storm: {server.rss_mib():.0f} MiB")
        finally:
            server.stop()
            pg.cleanup()  # stop the cluster before its folder goes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--waves", type=int, default=5)
    parser.add_argument("--connections", type=int, default=3000, help="per wave and protocol")
    parser.add_argument("--max-connections", type=int, default=1000)
    parser.add_argument("--per-address", type=int, default=50)
    parser.add_argument("--imap", action="store_true", help="storm the IMAP listener too")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
