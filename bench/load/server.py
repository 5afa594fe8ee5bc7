"""A `mailstore serve` subprocess over a temporary embedded PostgreSQL, for the load benches.

The bench process owns the cluster (so the server can be restarted or measured alone), creates
the accounts through the engine with cheap password hashes, then starts the server with
``MAILSTORE_*`` overrides and reads the port of every listener from its start-up lines.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailstore.embedded import start_embedded
from mailstore.migrate import upgrade_async
from mailstore.store import Passwords, Store

LISTENERS = ("smtp", "submission", "submissions", "lmtp", "imap", "imaps", "pop3", "pop3s")
READY = "mailstore is running"
#: How `serve` names the SMTP listeners in its start-up lines.
SMTP_LABELS = {
    "SMTP (MX)": "smtp",
    "SMTP submission (STARTTLS)": "submission",
    "SMTP submissions (implicit TLS)": "submissions",
    "LMTP": "lmtp",
}
PASSWORD = "bench"


async def prepare_database(home: Path, domain: str, users: Iterable[str]) -> tuple[Any, str]:
    """(cluster handle, url) with ``domain`` and one account per user (password ``bench``)."""
    handle, url = start_embedded(home / "bench-pg")
    await upgrade_async(url)
    store = await Store.open(url, min_size=1, max_size=4, passwords=Passwords(1, 1024))
    try:
        await store.directory.add_domain(domain)
        for user in users:
            await store.directory.add_account(f"{user}@{domain}", PASSWORD)
    finally:
        await store.close()
    return handle, url


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    ports: dict[str, int]
    output: list[str] = field(default_factory=list)

    def rss_mib(self) -> float:
        return rss_mib(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_server(home: Path, url: str, env: dict[str, str] | None = None) -> Server:
    """Start `mailstore serve` on ``url`` with every listener on 127.0.0.1, port 0."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("MAILSTORE_")}
    full.update({f"MAILSTORE_LISTENERS_{n.upper()}": "127.0.0.1:0" for n in LISTENERS})
    full["MAILSTORE_DATABASE_URL"] = url
    full.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailstore.cli.main", "--home", str(home), "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=full,
    )
    assert proc.stdout is not None
    server = Server(proc, {})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline().decode(errors="replace")
        if not line:
            break
        server.output.append(line)
        m = re.match(r"(.+?) listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            server.ports[SMTP_LABELS.get(m.group(1), m.group(1))] = int(m.group(2))
        if READY in line:
            break
    else:
        proc.kill()
    if proc.poll() is not None or READY not in "".join(server.output[-1:]):
        proc.kill()
        raise SystemExit("mailstore serve did not start:\n" + "".join(server.output[-20:]))
    # keep draining its output so a chatty server never blocks on a full pipe
    threading.Thread(target=_drain, args=(proc, server.output), daemon=True).start()
    return server


def _drain(proc: subprocess.Popen[bytes], sink: list[str]) -> None:
    assert proc.stdout is not None
    for raw in proc.stdout:
        sink.append(raw.decode(errors="replace"))
        del sink[:-200]


def rss_mib(pid: int) -> float:
    """Resident set size of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
