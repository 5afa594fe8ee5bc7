"""POP3 retrieval of a whole maildrop against `mailstore serve`, with Python's poplib.

    python -m bench.fixture --count 10000 --home /tmp/mailstore-bench-10k
    python -m bench.pop3_bench --home /tmp/mailstore-bench-10k

Starts `mailstore serve` as a separate process on the fixture's database (listeners on
127.0.0.1, ports chosen by the OS), logs in as the fixture account over one connection and
times STAT, UIDL, and RETR of every message, printing msgs/s and MB/s. Nothing is deleted (the
session ends with RSET then QUIT). Bounded by the maildrop's size.
"""

from __future__ import annotations

import argparse
import poplib
import tempfile
import time
from pathlib import Path

from bench.fixture import ACCOUNT, PASSWORD, open_fixture
from bench.imap_bench import start_server


def run(port: int) -> None:
    pop = poplib.POP3("127.0.0.1", port, timeout=600)
    t0 = time.perf_counter()
    pop.user(ACCOUNT)
    pop.pass_(PASSWORD)
    login = time.perf_counter() - t0
    t0 = time.perf_counter()
    count, size = pop.stat()
    stat = time.perf_counter() - t0
    print(
        f"login (fixes the message list): {login * 1000:.0f} ms; STAT {stat * 1000:.1f} ms: "
        f"{count} messages, {size / 1e6:.1f} MB"
    )
    t0 = time.perf_counter()
    _, lines, _ = pop.uidl()
    print(f"UIDL: {len(lines)} lines in {(time.perf_counter() - t0) * 1000:.0f} ms")
    t0 = time.perf_counter()
    octets = 0
    for n in range(1, count + 1):
        _, _lines, size_n = pop.retr(n)
        octets += size_n
    dt = time.perf_counter() - t0
    print(f"RETR 1..{count}: {dt:.1f} s, {count / dt:.0f} msgs/s, {octets / dt / 1e6:.1f} MB/s")
    pop.rset()
    pop.quit()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, required=True, help="the bench.fixture folder")
    args = parser.parse_args()
    _server, url = open_fixture(args.home)
    with tempfile.TemporaryDirectory(prefix="mailstore-pop3-bench-") as tmp:
        proc, port = start_server(url, Path(tmp), listener="pop3")
        try:
            run(port)
        finally:
            proc.terminate()
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
