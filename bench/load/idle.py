"""Thousands of IMAP IDLE sessions in one server process: push latency and memory per session.

    python -m bench.load.idle [--sessions 2000] [--accounts 100] [--rounds 5]

Starts `mailstore serve` (bench/load/server.py) over a temporary embedded PostgreSQL, opens
SESSIONS IMAP connections spread over ACCOUNTS accounts, each LOGIN, SELECT INBOX, IDLE. The
server's RSS is read before and after, giving memory per idle session. Then, ROUNDS times, one
message per account goes in over SMTP; the push latency is the time from the ``250`` to the
``* n EXISTS`` each idle session of that account receives (RFC 2177). Prints p50/p99/max and
pushes missed (none within ``--timeout`` seconds). Bounded by counts and timeouts throughout.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import aiosmtplib

from bench.load.server import PASSWORD, percentile, prepare_database, start_server

DOMAIN = "example.org"


class IdleSession:
    """One raw IMAP connection parked in IDLE; records when each EXISTS arrives."""

    def __init__(self, user: str) -> None:
        self.user = user
        self.exists: asyncio.Queue[float] = asyncio.Queue()
        self.reader: asyncio.StreamReader
        self.writer: asyncio.StreamWriter
        self._task: asyncio.Task[None] | None = None

    async def open(self, port: int) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        await self.reader.readline()  # greeting
        await self._command(f"a LOGIN {self.user}@{DOMAIN} {PASSWORD}", b"a ")
        await self._command("b SELECT INBOX", b"b ")
        self.writer.write(b"c IDLE\r\n")
        while not (await self._line()).startswith(b"+"):
            pass
        self._task = asyncio.create_task(self._listen())

    async def _line(self) -> bytes:
        line = await asyncio.wait_for(self.reader.readline(), 60)
        if not line:
            raise ConnectionError(f"{self.user}: server closed the connection")
        return line

    async def _command(self, text: str, tag: bytes) -> None:
        self.writer.write(text.encode() + b"\r\n")
        while True:
            line = await self._line()
            if line.startswith(tag):
                if not line[len(tag) :].startswith(b"OK"):
                    raise ConnectionError(f"{text.split()[1]} failed: {line!r}")
                return

    async def _listen(self) -> None:
        try:
            while True:
                line = await self.reader.readline()
                if not line:
                    return
                if line.startswith(b"* ") and line.rstrip().endswith(b"EXISTS"):
                    self.exists.put_nowait(time.perf_counter())
        except (ConnectionError, asyncio.CancelledError):
            return

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        try:
            self.writer.write(b"DONE\r\nz LOGOUT\r\n")
            await self.writer.drain()
        except ConnectionError:
            pass
        self.writer.close()


async def run(sessions: int, accounts: int, rounds: int, push_timeout: float) -> None:
    users = [f"idle{i}" for i in range(accounts)]
    with tempfile.TemporaryDirectory(prefix="mailstore-idle-") as tmp:
        home = Path(tmp)
        pg, url = await prepare_database(home, DOMAIN, users)
        server = start_server(
            home,
            url,
            {
                "MAILSTORE_AUTH_ARGON2_TIME_COST": "1",  # the accounts' own (cheap) parameters:
                "MAILSTORE_AUTH_ARGON2_MEMORY_COST_KIB": "1024",  # no re-hash at first login
            },
        )
        try:
            await asyncio.sleep(1)
            base = server.rss_mib()
            clients = [IdleSession(users[i % accounts]) for i in range(sessions)]
            gate = asyncio.Semaphore(64)

            async def opened(c: IdleSession) -> None:
                async with gate:
                    await c.open(server.ports["imap"])

            t0 = time.perf_counter()
            await asyncio.gather(*(opened(c) for c in clients))
            setup = time.perf_counter() - t0
            await asyncio.sleep(2)
            idle_rss = server.rss_mib()
            print(f"{sessions} sessions in IDLE over {accounts} accounts (set up in {setup:.1f} s)")
            print(
                f"server RSS: {base:.0f} MiB before, {idle_rss:.0f} MiB idle: "
                f"{(idle_rss - base) * 1024 / sessions:.1f} KiB per session"
            )
            by_user: dict[str, list[IdleSession]] = {}
            for c in clients:
                by_user.setdefault(c.user, []).append(c)
            latencies: list[float] = []
            missed = 0
            smtp = aiosmtplib.SMTP(
                hostname="127.0.0.1", port=server.ports["smtp"], timeout=60, start_tls=False
            )
            await smtp.connect()
            for r in range(rounds):
                sent: dict[str, float] = {}
                for user in users:
                    msg = (
                        f"From: load@remote.example\r\nTo: {user}@{DOMAIN}\r\n"
                        f"Subject: push {r}\r\nMessage-ID: <idle-{r}-{user}@bench>\r\n\r\nhi\r\n"
                    )
                    await smtp.sendmail("load@remote.example", [f"{user}@{DOMAIN}"], msg)
                    sent[user] = time.perf_counter()
                for user, group in by_user.items():
                    for c in group:
                        try:
                            at = await asyncio.wait_for(c.exists.get(), push_timeout)
                            latencies.append(max(0.0, at - sent[user]))
                        except TimeoutError:
                            missed += 1
                print(
                    f"round {r + 1}: {len(users)} messages, pushes so far {len(latencies)}, "
                    f"missed {missed}"
                )
            await smtp.quit()
            ms = [x * 1000 for x in latencies]
            print(
                f"push latency over {len(ms)} pushes: p50 {percentile(ms, 0.5):.0f} ms, "
                f"p99 {percentile(ms, 0.99):.0f} ms, max {max(ms, default=0):.0f} ms; "
                f"missed {missed}"
            )
            print(f"server RSS after the rounds: {server.rss_mib():.0f} MiB")
            await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        finally:
            server.stop()
            pg.cleanup()  # stop the cluster before its folder goes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a push")
    args = parser.parse_args()
    asyncio.run(run(args.sessions, args.accounts, args.rounds, args.timeout))


if __name__ == "__main__":
    main()
