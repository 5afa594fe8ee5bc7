"""Many concurrent IMAP sessions doing a random mix of commands against `mailstore serve`.

    python -m bench.fixture --count 100000 --home /tmp/mailstore-bench-100k
    python -m bench.imap_mix --home /tmp/mailstore-bench-100k [--clients 50] [--seconds 60]

CLIENTS imaplib sessions (spread over several client processes, so the load generator is not
one Python thread) log in as the fixture account, SELECT INBOX once, then loop over a random
mix until SECONDS have passed: FETCH of 20 random messages (FLAGS ENVELOPE), UID STORE of a
keyword on one random message (and its removal), UID SEARCH (UNSEEN, FROM marker, SINCE date),
and NOOP. Prints commands/s in total and per command type. Bounded in time and count.
"""

from __future__ import annotations

import argparse
import imaplib
import multiprocessing
import random
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench.corpus import FROM_ADDRESS
from bench.fixture import ACCOUNT, PASSWORD, open_fixture
from bench.imap_bench import start_server
from bench.target import Target

MAX_COMMANDS_PER_CLIENT = 100_000


def client(
    target: Target, seconds: float, seed: int, counts: Counter[str], lock: threading.Lock
) -> None:
    rnd = random.Random(seed)
    m = imaplib.IMAP4(target.host, target.imap, timeout=600)
    m.login(target.user, target.password)
    _, data = m.select("INBOX")
    n = int(data[0])
    mine: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and sum(mine.values()) < MAX_COMMANDS_PER_CLIENT:
        roll = rnd.random()
        if roll < 0.35:
            start = rnd.randint(1, max(1, n - 20))
            m.fetch(f"{start}:{start + 19}", "(FLAGS ENVELOPE)")
            mine["FETCH"] += 1
        elif roll < 0.60:
            seq = str(rnd.randint(1, n))
            m.store(seq, "+FLAGS", "($MixBench)")
            m.store(seq, "-FLAGS", "($MixBench)")
            mine["STORE"] += 2
        elif roll < 0.85:
            criteria = rnd.choice([("UNSEEN",), ("FROM", FROM_ADDRESS), ("SINCE", "1-Jun-2025")])
            m.uid("SEARCH", None, *criteria)
            mine["SEARCH"] += 1
        else:
            m.noop()
            mine["NOOP"] += 1
    m.logout()
    with lock:
        counts.update(mine)


def process_main(
    target: Target, clients: int, seconds: float, seed: int, out: multiprocessing.Queue
) -> None:  # type: ignore[type-arg]
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    threads = [
        threading.Thread(target=client, args=(target, seconds, seed * 1000 + i, counts, lock))
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(dict(counts))


def run_mix(
    target: Target, clients: int, seconds: float, processes: int = 5
) -> tuple[Counter[str], float]:
    """Run CLIENTS sessions on ``target`` spread over PROCESSES; returns (commands, seconds)."""
    out: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    per = [clients // processes + (i < clients % processes) for i in range(processes)]
    t0 = time.perf_counter()
    workers = [
        multiprocessing.Process(target=process_main, args=(target, k, seconds, i, out))
        for i, k in enumerate(per)
        if k
    ]
    for w in workers:
        w.start()
    totals: Counter[str] = Counter()
    try:
        for _ in workers:
            totals.update(out.get(timeout=seconds + 300))
    finally:
        for w in workers:
            w.join(timeout=10)
            if w.is_alive():
                w.kill()
    return totals, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, required=True, help="the bench.fixture folder")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--processes", type=int, default=5)
    args = parser.parse_args()
    if not 1 <= args.clients <= 500 or not 1 <= args.seconds <= 600:
        raise SystemExit("--clients 1..500, --seconds 1..600")
    _server, url = open_fixture(args.home)
    with tempfile.TemporaryDirectory(prefix="mailstore-imap-mix-") as tmp:
        proc, port = start_server(url, Path(tmp))
        try:
            target = Target("mailstore", imap=port, user=ACCOUNT, password=PASSWORD)
            totals, elapsed = run_mix(target, args.clients, args.seconds, args.processes)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    total = sum(totals.values())
    print(
        f"{args.clients} clients, {elapsed:.0f} s: {total} commands, {total / elapsed:.0f} commands/s"
    )
    for name, count in sorted(totals.items()):
        print(f"  {name:7} {count:8d}  {count / elapsed:7.0f}/s")


if __name__ == "__main__":
    main()
