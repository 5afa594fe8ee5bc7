"""IMAP command timings against `mailstore serve` on a large mailbox, with Python's imaplib.

    python -m bench.fixture --count 100000 --home /tmp/mailstore-bench-100k
    python -m bench.imap_bench --home /tmp/mailstore-bench-100k [--runs 5]

Starts `mailstore serve` as a separate process on the fixture's database (listeners on
127.0.0.1, ports chosen by the OS), logs in as the fixture account and prints the median of
RUNS timings (after one warm-up) per command, with hit counts checked against the corpus's
known marker frequencies. MOVE and EXPUNGE work on 1,000 copies made for the purpose, so the
fixture's INBOX is left as it was.
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
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.corpus import FROM_ADDRESS, SUBJECT_WORD, WORDS_0_1, WORDS_10, expected_hits
from bench.fixture import ACCOUNT, PASSWORD, open_fixture

LISTENERS = ("smtp", "submission", "submissions", "lmtp", "imap", "imaps", "pop3", "pop3s")
READY = "mailstore is running"


def start_server(
    url: str, home: Path, listener: str = "imap"
) -> tuple[subprocess.Popen[bytes], int]:
    """Run `mailstore serve` on ``url``; returns the process and ``listener``'s port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILSTORE_")}
    env.update({f"MAILSTORE_LISTENERS_{n.upper()}": "127.0.0.1:0" for n in LISTENERS})
    env["MAILSTORE_DATABASE_URL"] = url
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailstore.cli.main", "--home", str(home), "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    port = 0
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline().decode(errors="replace")
        if not line:
            break
        m = re.match(rf"{listener} listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
        if READY in line:
            break
    if not port:
        proc.kill()
        raise SystemExit(f"mailstore serve did not start a {listener} listener")
    return proc, port


def timed(runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
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


def run(port: int, runs: int) -> None:
    m = imaplib.IMAP4("127.0.0.1", port)
    m.login(ACCOUNT, PASSWORD)
    typ, data = m.select("INBOX")
    n = int(data[0])
    print(f"INBOX: {n} messages")
    rows: list[tuple[str, float, str]] = []

    def add(name: str, ms: float, detail: str = "") -> None:
        rows.append((name, ms, detail))
        print(f"{name:44} {ms:10.1f} ms  {detail}", flush=True)

    ms, _ = timed(runs, lambda: m.select("INBOX"))
    add("SELECT INBOX", ms)
    ms, data = timed(runs, lambda: m.uid("FETCH", "1:*", "(UID FLAGS)"))
    add("UID FETCH 1:* (UID FLAGS)", ms, f"{len(data[1])} responses")
    ms, data = timed(runs, lambda: m.fetch("1:*", "(FLAGS UID RFC822.SIZE)"))
    add("FETCH 1:* (FLAGS UID RFC822.SIZE)", ms)
    ms, _ = timed(max(1, runs // 2), lambda: m.fetch("1:*", "(ENVELOPE INTERNALDATE)"))
    add("FETCH 1:* (ENVELOPE INTERNALDATE)", ms)
    ms, _ = timed(runs, lambda: m.fetch("1:1000", "(ENVELOPE BODYSTRUCTURE)"))
    add("FETCH 1:1000 (ENVELOPE BODYSTRUCTURE)", ms)
    ms, _ = timed(runs, lambda: m.fetch("1:1000", "(BODY.PEEK[])"))
    add("FETCH 1:1000 (BODY.PEEK[])", ms)
    rare, common = WORDS_0_1[0], WORDS_10[0]
    searches = [
        ("UID SEARCH FROM marker", ("FROM", FROM_ADDRESS), expected_hits(FROM_ADDRESS, n)),
        ("UID SEARCH SUBJECT marker", ("SUBJECT", SUBJECT_WORD), expected_hits(SUBJECT_WORD, n)),
        ("UID SEARCH HEADER Message-ID", ("HEADER", "Message-ID", "<none@x>"), 0),
        (f"UID SEARCH BODY {rare} (0.1 %)", ("BODY", rare), expected_hits(rare, n)),
        (f"UID SEARCH TEXT {common} (10 %)", ("TEXT", common), expected_hits(common, n)),
        ("UID SEARCH SINCE 1-Jan-2025", ("SINCE", "1-Jan-2025"), None),
        ("UID SEARCH UNSEEN", ("UNSEEN",), None),
        (
            "UID SEARCH UNSEEN FROM marker SINCE",
            ("UNSEEN", "FROM", FROM_ADDRESS, "SINCE", "1-Jan-2024"),
            None,
        ),
    ]
    for name, criteria, expected in searches:
        ms, hits = timed(runs, lambda c=criteria: uid_search(m, *c))
        check = (
            ""
            if expected is None
            else ("ok" if expected == len(hits) else f"MISMATCH, expected {expected}")
        )
        add(name, ms, f"{len(hits)} hits {check}")
    all_uids = uid_search(m, "ALL")
    tenth = b",".join(all_uids[::10]).decode()
    ms, _ = timed(1, lambda: m.uid("STORE", tenth, "+FLAGS.SILENT", "(\\Flagged)"))
    add("UID STORE +FLAGS.SILENT on 10 %", ms)
    m.uid("STORE", tenth, "-FLAGS.SILENT", "(\\Flagged)")
    m.create("BenchScratch")
    m.uid("COPY", f"{all_uids[0].decode()}:{all_uids[999].decode()}", "BenchScratch")
    m.select("BenchScratch")
    m.create("BenchTrash")
    t0 = time.perf_counter()
    typ, _ = m.uid("MOVE", "1:*", "BenchTrash")
    add("UID MOVE 1,000", (time.perf_counter() - t0) * 1000, typ)
    m.select("BenchTrash")
    m.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
    t0 = time.perf_counter()
    typ, data = m.expunge()
    add(
        "EXPUNGE 1,000",
        (time.perf_counter() - t0) * 1000,
        f"{len(data) if data[0] else 0} expunged",
    )
    m.select("INBOX")
    m.delete("BenchScratch")
    m.delete("BenchTrash")
    m.logout()


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
