"""IMAP command timings against `mailstore serve` on a large mailbox, with Python's imaplib.

    python -m bench.fixture --count 100000 --home /tmp/mailstore-bench-100k
    python -m bench.imap_bench --home /tmp/mailstore-bench-100k [--runs 5]

Starts `mailstore serve` as a separate process on the fixture's database (listeners on
127.0.0.1, ports chosen by the OS), logs in as the fixture account and prints the median of
RUNS timings (after one warm-up) per command, with hit counts checked against the corpus's
known marker frequencies. MOVE and EXPUNGE work on 1,000 copies made for the purpose, so the
fixture's INBOX is left as it was. :func:`measure` does the timing for any
:class:`bench.target.Target`, so bench.compare runs the same commands against Dovecot.
"""

from __future__ import annotations

import argparse
import imaplib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.corpus import FROM_ADDRESS, SUBJECT_WORD, WORDS_0_1, WORDS_10, expected_hits
from bench.fixture import ACCOUNT, PASSWORD, open_fixture
from bench.target import Target

LISTENERS = ("smtp", "submission", "submissions", "lmtp", "imap", "imaps", "pop3", "pop3s")
READY = "mailstore is running"


def start_server(
    url: str, home: Path, listener: str = "imap"
) -> tuple[subprocess.Popen[bytes], int]:
    """Run `mailstore serve` on ``url``; returns the process and ``listener``'s port."""
    proc, ports = start_server_ports(url, home)
    if listener not in ports:
        proc.kill()
        raise SystemExit(f"mailstore serve did not start a {listener} listener")
    return proc, ports[listener]


def start_server_ports(url: str, home: Path) -> tuple[subprocess.Popen[bytes], dict[str, int]]:
    """Run `mailstore serve` on ``url``; returns the process and every listener's port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILSTORE_")}
    env.update({f"MAILSTORE_LISTENERS_{n.upper()}": "127.0.0.1:0" for n in LISTENERS})
    env["MAILSTORE_DATABASE_URL"] = url
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailstore.cli.main", "--home", str(home), "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    ports: dict[str, int] = {}
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline().decode(errors="replace")
        if not line:
            break
        m = re.match(r"(\w+) listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            ports[m.group(1)] = int(m.group(2))
        if READY in line:
            break
    if READY not in line:
        proc.kill()
        raise SystemExit(f"mailstore serve did not start: {line.strip()}")
    # drain the rest of its output, so a chatty server never blocks on a full pipe
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return proc, ports


def timed(runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Median milliseconds of ``runs`` calls of ``fn`` after one untimed warm-up call."""
    result = fn()  # warm-up
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000, result


def uid_search(m: imaplib.IMAP4, *criteria: str) -> list[bytes]:
    typ, data = m.uid("SEARCH", None, *criteria)
    assert typ == "OK", data
    return data[0].split() if data and data[0] else []


@dataclass(frozen=True)
class Timing:
    """One measured command: its median latency, what it returned, and whether that was right."""

    name: str
    ms: float
    detail: str = ""
    count: int | None = None  # responses or hits, for comparing both servers' answers
    ok: bool = True


def connect(target: Target) -> imaplib.IMAP4:
    m = imaplib.IMAP4(target.host, target.imap, timeout=600)
    m.login(target.user, target.password)
    return m


def _ok(typ: str, data: Any) -> None:
    if typ != "OK":
        raise RuntimeError(f"IMAP command failed: {typ} {data!r}")


def measure(
    target: Target,
    runs: int,
    echo: Callable[[Timing], None] | None = None,
    only: set[str] | None = None,
) -> list[Timing]:
    """Time the command set of the module docstring on ``target``'s INBOX (left as it was).

    Read-only commands are timed ``runs`` times after a warm-up; UID STORE, UID MOVE and
    EXPUNGE change the mailbox, so each of their ``runs`` rounds sets itself up again (the
    flags put back, 1,000 fresh copies made), the first round being the warm-up.
    """
    m = connect(target)
    typ, data = m.select("INBOX")
    _ok(typ, data)
    n = int(data[0])
    rows: list[Timing] = []

    def add(row: Timing) -> None:
        rows.append(row)
        if echo is not None:
            echo(row)

    def want(name: str) -> bool:
        return only is None or name in only

    def fetch_count(data: list[Any]) -> int:
        """FETCH responses in imaplib's list (a literal splits one response into pieces)."""
        heads = (d[0] if isinstance(d, tuple) else d for d in data)
        return sum(1 for h in heads if isinstance(h, bytes) and re.match(rb"\d+ \(", h))

    if want("SELECT INBOX"):
        ms, _ = timed(runs, lambda: m.select("INBOX"))
        add(Timing("SELECT INBOX", ms, f"{n} messages", n))
    if want("UID FETCH 1:* (UID FLAGS)"):
        ms, (typ, data) = timed(runs, lambda: m.uid("FETCH", "1:*", "(UID FLAGS)"))
        add(Timing("UID FETCH 1:* (UID FLAGS)", ms, f"{len(data)} responses", len(data)))
    if want("FETCH 1:* (FLAGS UID RFC822.SIZE)"):
        ms, (typ, data) = timed(runs, lambda: m.fetch("1:*", "(FLAGS UID RFC822.SIZE)"))
        add(Timing("FETCH 1:* (FLAGS UID RFC822.SIZE)", ms, "", len(data)))
    if want("FETCH 1:* (ENVELOPE INTERNALDATE)"):
        ms, _ = timed(max(1, runs // 2), lambda: m.fetch("1:*", "(ENVELOPE INTERNALDATE)"))
        add(Timing("FETCH 1:* (ENVELOPE INTERNALDATE)", ms))
    last = min(n, 1000)
    if want("FETCH 1:1000 (ENVELOPE BODYSTRUCTURE)"):
        ms, (typ, data) = timed(runs, lambda: m.fetch(f"1:{last}", "(ENVELOPE BODYSTRUCTURE)"))
        add(Timing("FETCH 1:1000 (ENVELOPE BODYSTRUCTURE)", ms, "", fetch_count(data)))
    if want("FETCH 1:1000 (BODY.PEEK[])"):
        ms, (typ, data) = timed(runs, lambda: m.fetch(f"1:{last}", "(BODY.PEEK[])"))
        octets = sum(len(d[1]) for d in data if isinstance(d, tuple))
        add(Timing("FETCH 1:1000 (BODY.PEEK[])", ms, f"{octets / 1e6:.1f} MB", octets))
    rare, common = WORDS_0_1[0], WORDS_10[0]
    searches = [
        ("UID SEARCH FROM marker", ("FROM", FROM_ADDRESS), expected_hits(FROM_ADDRESS, n)),
        ("UID SEARCH SUBJECT marker", ("SUBJECT", SUBJECT_WORD), expected_hits(SUBJECT_WORD, n)),
        ("UID SEARCH HEADER Message-ID", ("HEADER", "Message-ID", "<none@x>"), 0),
        ("UID SEARCH BODY word (0.1 %)", ("BODY", rare), expected_hits(rare, n)),
        ("UID SEARCH TEXT word (10 %)", ("TEXT", common), expected_hits(common, n)),
        ("UID SEARCH SINCE 1-Jan-2025", ("SINCE", "1-Jan-2025"), None),
        ("UID SEARCH UNSEEN", ("UNSEEN",), None),
        (
            "UID SEARCH UNSEEN FROM marker SINCE",
            ("UNSEEN", "FROM", FROM_ADDRESS, "SINCE", "1-Jan-2024"),
            None,
        ),
    ]
    for name, criteria, expected in searches:
        if not want(name):
            continue
        ms, hits = timed(runs, lambda c=criteria: uid_search(m, *c))
        ok = expected is None or expected == len(hits)
        check = "" if expected is None else ("ok" if ok else f"MISMATCH, expected {expected}")
        add(Timing(name, ms, f"{len(hits)} hits {check}".strip(), len(hits), ok))
    all_uids = uid_search(m, "ALL")
    if want("UID STORE +FLAGS.SILENT on 10 %"):
        tenth = b",".join(all_uids[::10]).decode()
        samples = []
        for _ in range(runs + 1):
            t0 = time.perf_counter()
            typ, data = m.uid("STORE", tenth, "+FLAGS.SILENT", "(\\Flagged)")
            samples.append(time.perf_counter() - t0)
            _ok(typ, data)
            _ok(*m.uid("STORE", tenth, "-FLAGS.SILENT", "(\\Flagged)"))
        ms = statistics.median(samples[1:]) * 1000
        add(Timing("UID STORE +FLAGS.SILENT on 10 %", ms, f"{len(all_uids[::10])} messages"))
    if want("UID MOVE 1,000") or want("EXPUNGE 1,000"):
        first, end = all_uids[0].decode(), all_uids[last - 1].decode()
        moves, expunges = [], []
        for _ in range(runs + 1):
            move_ms, expunge_ms, moved = _move_and_expunge(m, f"{first}:{end}")
            moves.append(move_ms)
            expunges.append(expunge_ms)
        if want("UID MOVE 1,000"):
            add(Timing("UID MOVE 1,000", statistics.median(moves[1:]), f"{last} moved", last))
        if want("EXPUNGE 1,000"):
            ok = moved == last
            add(
                Timing(
                    "EXPUNGE 1,000", statistics.median(expunges[1:]), f"{moved} expunged", moved, ok
                )
            )
    m.logout()
    return rows


def _move_and_expunge(m: imaplib.IMAP4, uids: str) -> tuple[float, float, int]:
    """Copy ``uids`` to a scratch folder, time UID MOVE of them all to another, then EXPUNGE."""
    _ok(*m.select("INBOX"))
    _ok(*m.create("BenchScratch"))
    _ok(*m.create("BenchTrash"))
    _ok(*m.uid("COPY", uids, "BenchScratch"))
    _ok(*m.select("BenchScratch"))
    t0 = time.perf_counter()
    typ, data = m.uid("MOVE", "1:*", "BenchTrash")
    move_ms = (time.perf_counter() - t0) * 1000
    _ok(typ, data)
    _ok(*m.select("BenchTrash"))
    _ok(*m.store("1:*", "+FLAGS.SILENT", "(\\Deleted)"))
    t0 = time.perf_counter()
    typ, data = m.expunge()
    expunge_ms = (time.perf_counter() - t0) * 1000
    _ok(typ, data)
    moved = len(data) if data and data[0] else 0
    _ok(*m.select("INBOX"))
    _ok(*m.delete("BenchScratch"))
    _ok(*m.delete("BenchTrash"))
    return move_ms, expunge_ms, moved


def run(port: int, runs: int) -> None:
    """Print the timings of :func:`measure` for the fixture account on ``port``."""
    target = Target("mailstore", imap=port, user=ACCOUNT, password=PASSWORD)
    print(f"{ACCOUNT} on 127.0.0.1:{port}")
    measure(
        target, runs, echo=lambda r: print(f"{r.name:44} {r.ms:10.1f} ms  {r.detail}", flush=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, required=True, help="the bench.fixture folder")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    _server, url = open_fixture(args.home)
    with tempfile.TemporaryDirectory(prefix="mailstore-imap-bench-") as tmp:
        proc, port = start_server(url, Path(tmp))
        try:
            run(port, args.runs)
        finally:
            proc.terminate()
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
