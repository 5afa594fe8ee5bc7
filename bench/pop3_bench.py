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
from bench.target import Target


def retr_all(target: Target) -> dict[str, float]:
    """Log in to ``target`` over POP3, STAT, UIDL and RETR every message, then RSET and QUIT.

    Returns the message count, octets, and seconds spent in login, STAT, UIDL and the RETRs.
    """
    pop = poplib.POP3(target.host, target.pop3, timeout=600)
    t0 = time.perf_counter()
    pop.user(target.user)
    pop.pass_(target.password)
    login = time.perf_counter() - t0
    t0 = time.perf_counter()
    count, size = pop.stat()
    stat = time.perf_counter() - t0
    t0 = time.perf_counter()
    _, lines, _ = pop.uidl()
    uidl = time.perf_counter() - t0
    t0 = time.perf_counter()
    octets = 0
    for n in range(1, count + 1):
        _, _lines, size_n = pop.retr(n)
        octets += size_n
    retr = time.perf_counter() - t0
    pop.rset()
    pop.quit()
    return {
        "messages": count,
        "maildrop_octets": size,
        "uidl_lines": len(lines),
        "octets": octets,
        "login_s": login,
        "stat_s": stat,
        "uidl_s": uidl,
        "retr_s": retr,
    }


def run(port: int) -> None:
    r = retr_all(Target("mailstore", pop3=port, user=ACCOUNT, password=PASSWORD))
    print(
        f"login (fixes the message list): {r['login_s'] * 1000:.0f} ms; "
        f"STAT {r['stat_s'] * 1000:.1f} ms: "
        f"{r['messages']:.0f} messages, {r['maildrop_octets'] / 1e6:.1f} MB"
    )
    print(f"UIDL: {r['uidl_lines']:.0f} lines in {r['uidl_s'] * 1000:.0f} ms")
    dt = r["retr_s"]
    print(
        f"RETR 1..{r['messages']:.0f}: {dt:.1f} s, {r['messages'] / dt:.0f} msgs/s, "
        f"{r['octets'] / dt / 1e6:.1f} MB/s"
    )


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
