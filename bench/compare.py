"""mailstore against Postfix + Dovecot, side by side, in one run (issue 10).

    python -m bench.compare [--sizes 1000,10000,100000] [--repeat 3] [--quick] [--no-peer]

For every workload the same client code (bench/smtp_ingest.py, imap_bench.py, imap_mix.py,
pop3_bench.py, all functions of a :class:`bench.target.Target`) runs against mailstore (an
embedded PostgreSQL in a temporary home, fsync and synchronous_commit on) and against the peer
stack of bench/peers/ (Postfix on SMTP handing mail over LMTP to Dovecot, which serves IMAP and
POP3 from Maildir), with the same corpus (bench/corpus/, seed 1), concurrency and users.

Workloads: SMTP ingest (msgs/s at the 250 reply, p50/p99, and for Postfix also until the
queue has been delivered to Dovecot); for each mailbox size the IMAP command set of
bench.imap_bench (medians of REPEAT runs after a warm-up); many concurrent IMAP sessions
(bench.imap_mix, ops/s); POP3 RETR of a whole maildrop; bulk import of an mbox and of a
Maildir (ours: ``mailstore import``; theirs: ``doveadm import``); storage bytes per message.
Prints one table and saves JSON, Markdown and a PNG plot under bench/results/.

Everything is on 127.0.0.1; every loop is bounded by a count or a duration. The peer side is
skipped (with the reason printed) when Postfix/Dovecot cannot be installed or ``--no-peer``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench import imap_bench, imap_mix, pop3_bench, smtp_ingest
from bench.corpus import generate, write_maildir, write_mbox
from bench.fixture import fill
from bench.peers import machine, mailboxes
from bench.peers.report import Row, save, text_table
from bench.target import Target
from mailstore.embedded import start_embedded
from mailstore.migrate import upgrade_async
from mailstore.store import Passwords, Store

log = logging.getLogger("bench.compare")

PASSWORD = "bench"
DOMAIN = "example.org"
RESULTS = Path(__file__).parent / "results"
SMTP_USERS = smtp_ingest.ACCOUNTS
MAX_SIZE = 1_000_000


def box_user(size: int) -> str:
    return f"box{size}@{DOMAIN}"


# -- our side -------------------------------------------------------------------------------------
class Ours:
    """mailstore on an embedded PostgreSQL in ``home`` (kept referenced while in use), or on
    the database at ``url`` (the tests' cluster)."""

    def __init__(self, home: Path, url: str = "") -> None:
        self.home = home
        self.server: Any = None
        if url:
            self.url = url
        else:
            self.server, self.url = start_embedded(home / "db", "mailstore_compare")
        self.proc: subprocess.Popen[bytes] | None = None
        self.ports: dict[str, int] = {}

    async def _setup(self, users: list[str]) -> str:
        await upgrade_async(self.url)
        store = await Store.open(self.url, min_size=1, max_size=2, passwords=Passwords(1, 1024))
        try:
            if not await store.directory.is_local_domain(DOMAIN):
                await store.directory.add_domain(DOMAIN)
            for user in users:
                await store.directory.add_account(user, PASSWORD)
            return str(await store.db.fetchval("SHOW server_version"))
        finally:
            await store.close()

    def setup(self, users: list[str]) -> str:
        """Create the domain and ``users``; returns the PostgreSQL version."""
        return asyncio.run(self._setup(users))

    async def _db_size(self) -> int:
        conn = await asyncpg.connect(self.url)
        try:
            return int(await conn.fetchval("SELECT pg_database_size(current_database())"))
        finally:
            await conn.close()

    def db_size(self) -> int:
        """The database's size on disk: tables, indexes and TOAST (no WAL)."""
        return asyncio.run(self._db_size())

    def fill(self, user: str, count: int) -> int:
        """Fill ``user``'s INBOX with ``count`` corpus messages; returns the bytes it added."""
        before = self.db_size()
        asyncio.run(fill(self.url, count, account=user, password=PASSWORD))
        return self.db_size() - before

    def serve(self) -> Target:
        """Start `mailstore serve` (all listeners on 127.0.0.1, OS-chosen ports)."""
        self.proc, self.ports = imap_bench.start_server_ports(self.url, self.home / "serve")
        return Target("mailstore", imap=self.ports["imap"], pop3=self.ports["pop3"])

    def stop_serving(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=60)
            self.proc = None

    def smtp_ingest(self, count: int, concurrency: int, seed: int) -> dict:
        async def go() -> dict:
            async with smtp_ingest.serve_mx(self.url, self.home / "mx", concurrency) as port:
                return await smtp_ingest.drive("127.0.0.1", port, count, concurrency, seed)

        return asyncio.run(go())

    def import_path(self, kind: str, user: str, path: Path) -> float:
        """``mailstore import mbox|maildir --to USER PATH`` as a user would run it; seconds."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAILSTORE_")}
        env["MAILSTORE_DATABASE_URL"] = self.url
        command = [sys.executable, "-m", "mailstore.cli.main", "--home", str(self.home / "cli")]
        command += ["import", kind, "--to", user, str(path)]
        t0 = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - t0

    def close(self) -> None:
        self.stop_serving()
        if self.server is not None:
            self.server.cleanup()


# -- the peer side ---------------------------------------------------------------------------------
def start_peer(base: Path, users: list[str]) -> tuple[Any, str]:
    """Start the peer stack, or return (None, why not)."""
    from bench.peers import stack

    try:
        return stack.start(base, {u: PASSWORD for u in users}), ""
    except (OSError, RuntimeError, subprocess.CalledProcessError, SystemExit) as exc:
        return None, f"peer stack unavailable: {exc}"


# -- the run ---------------------------------------------------------------------------------------
def median(values: list[float]) -> float:
    return statistics.median(values)


class Comparison:
    """Runs each workload on both sides and collects :class:`Row` objects."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.rows: list[Row] = []
        self.ours = Ours(work / "ours", args.database_url)
        self.peer: Any = None
        self.peer_note = "skipped (--no-peer)" if args.no_peer else ""
        self.versions: dict[str, str] = {"postfix": "", "dovecot": ""}
        self.failures: list[str] = []

    def say(self, text: str) -> None:
        print(text, flush=True)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(text_table([row]).splitlines()[-1], flush=True)

    def on_both(
        self, fn_ours: Callable[[], Any], fn_theirs: Callable[[], Any] | None
    ) -> tuple[Any, Any]:
        return fn_ours(), (fn_theirs() if fn_theirs is not None and self.peer else None)

    # workloads -------------------------------------------------------------------------------
    def fill(self) -> None:
        for size in self.args.sizes:
            user = box_user(size)
            self.say(f"filling {user} with {size:,} messages")
            ours = self.ours.fill(user, size)
            theirs = index_s = None
            if self.peer:
                index_s = mailboxes.fill_maildir(self.peer, user, size)
                theirs = mailboxes.tree_bytes(self.peer.layout.home(user))
            self.add(
                Row(
                    "storage per message",
                    "bytes",
                    True,
                    size,
                    ours / size,
                    None if theirs is None else theirs / size,
                    "ours: database growth incl. indexes; theirs: Maildir + index files",
                    {"index_s_theirs": index_s},
                )
            )

    def imap(self, ours: Target, theirs: Target | None) -> None:
        for size in self.args.sizes:
            user = box_user(size)
            self.say(f"IMAP commands on {size:,} messages")
            a = imap_bench.measure(ours.as_user(user, PASSWORD), self.args.repeat)
            b = (
                imap_bench.measure(theirs.as_user(user, PASSWORD), self.args.repeat)
                if theirs
                else []
            )
            by_name = {t.name: t for t in b}
            for t in a:
                other = by_name.get(t.name)
                note = "" if t.ok else f"ours wrong: {t.detail}"
                if other is not None and not other.ok:
                    note += f" theirs wrong: {other.detail}"
                if other is not None and other.count is not None and other.count != t.count:
                    note += f" answers differ (ours {t.count}, theirs {other.count})"
                self.add(
                    Row(
                        t.name,
                        "ms",
                        True,
                        size,
                        t.ms,
                        other.ms if other else None,
                        note.strip(),
                        {"ours": t.detail, "theirs": other.detail if other else ""},
                    )
                )

    def mix(self, ours: Target, theirs: Target | None) -> None:
        size = min(self.args.sizes, key=lambda s: abs(s - self.args.mix_size))
        user = box_user(size)
        clients, seconds = self.args.mix_clients, self.args.mix_seconds
        self.say(f"IMAP mix: {clients} sessions for {seconds:.0f} s on {size:,} messages")
        results: dict[str, list[float]] = {"ours": [], "theirs": []}
        detail: dict[str, Any] = {}
        for _ in range(self.args.heavy_repeat):
            for side, target in (("ours", ours), ("theirs", theirs)):
                if target is None:
                    continue
                counts, elapsed = imap_mix.run_mix(
                    target.as_user(user, PASSWORD), clients, seconds, self.args.mix_processes
                )
                results[side].append(sum(counts.values()) / elapsed)
                detail[side] = dict(counts)
        self.add(
            Row(
                f"IMAP mix, {clients} sessions",
                "ops/s",
                False,
                size,
                median(results["ours"]),
                median(results["theirs"]) if results["theirs"] else None,
                f"{seconds:.0f} s each",
                detail,
            )
        )

    def pop3(self, ours: Target, theirs: Target | None) -> None:
        size = min(self.args.sizes, key=lambda s: abs(s - self.args.pop3_size))
        user = box_user(size)
        self.say(f"POP3 RETR of {size:,} messages")
        rates: dict[str, list[float]] = {"ours": [], "theirs": []}
        for side, target in (("ours", ours), ("theirs", theirs)):
            if target is None:
                continue
            for i in range(self.args.heavy_repeat + 1):  # the first is the warm-up
                r = pop3_bench.retr_all(target.as_user(user, PASSWORD))
                if r["messages"] != size:
                    raise RuntimeError(f"{side} POP3 maildrop has {r['messages']} messages")
                if i:
                    rates[side].append(r["messages"] / r["retr_s"])
        self.add(
            Row(
                "POP3 RETR whole maildrop",
                "msgs/s",
                False,
                size,
                median(rates["ours"]),
                median(rates["theirs"]) if rates["theirs"] else None,
            )
        )

    def smtp(self) -> None:
        count, conc = self.args.smtp_count, self.args.smtp_concurrency
        self.say(f"SMTP ingest: {count:,} messages over {conc} connections")
        runs: dict[str, list[dict[str, float]]] = {"ours": [], "theirs": []}
        delivered: list[float] = []
        for i in range(self.args.heavy_repeat + 1):  # the first (100 messages) is the warm-up
            n = count if i else min(100, count)
            result = self.ours.smtp_ingest(n, conc, seed=1 + i)
            if i:
                runs["ours"].append(smtp_ingest.summarise(result))
            if self.peer:
                t0 = time.perf_counter()
                result = asyncio.run(
                    smtp_ingest.drive("127.0.0.1", self.peer.ports.smtp, n, conc, seed=1 + i)
                )
                done = mailboxes.wait_for_queue(self.peer, 600)
                if i:
                    runs["theirs"].append(smtp_ingest.summarise(result))
                    delivered.append(result["accepted"] / (done - t0))
        for key, unit, lower in (
            ("msgs_per_s", "msgs/s", False),
            ("p50_ms", "ms", True),
            ("p99_ms", "ms", True),
        ):
            theirs = [r[key] for r in runs["theirs"]]
            self.add(
                Row(
                    f"SMTP ingest {key.split('_')[0]}",
                    unit,
                    lower,
                    None,
                    median([r[key] for r in runs["ours"]]),
                    median(theirs) if theirs else None,
                    f"{count:,} msgs, {conc} conns; until 250",
                    {
                        "accepted_ours": [r["accepted"] for r in runs["ours"]],
                        "accepted_theirs": [r["accepted"] for r in runs["theirs"]],
                    },
                )
            )
        self.add(
            Row(
                "SMTP ingest, until in the mailbox",
                "msgs/s",
                False,
                None,
                median([r["msgs_per_s"] for r in runs["ours"]]),
                median(delivered) if delivered else None,
                "ours: 250 comes after COMMIT; theirs: until Postfix's queue is empty",
            )
        )

    def imports(self) -> None:
        count = self.args.import_count
        self.say(f"import of {count:,} messages")
        src = self.work / "import"
        (src / "mbox").mkdir(parents=True, exist_ok=True)
        write_mbox(src / "mbox" / "corpus.mbox", generate(count, seed=7))
        write_maildir(src / "Maildir", generate(count, seed=7))
        for kind, path in (("mbox", src / "mbox" / "corpus.mbox"), ("maildir", src / "Maildir")):
            ours_s, theirs_s = [], []
            for i in range(self.args.heavy_repeat):
                user = f"import-{kind}-{i}@{DOMAIN}"
                ours_s.append(self.ours.import_path(kind, user, path))
                if self.peer:
                    do = mailboxes.import_mbox if kind == "mbox" else mailboxes.import_maildir
                    theirs_s.append(do(self.peer, user, path))
                    got = mailboxes.message_count(self.peer, user)
                    if got != count:
                        raise RuntimeError(f"doveadm import of {kind} gave {got} messages")
            self.add(
                Row(
                    f"import {kind}",
                    "msgs/s",
                    False,
                    count,
                    count / median(ours_s),
                    count / median(theirs_s) if theirs_s else None,
                    "ours: mailstore import; theirs: doveadm import",
                )
            )

    def attempt(self, name: str, workload: Callable[[], None]) -> None:
        """Run one workload; a failure becomes a row saying so, and the run goes on."""
        try:
            workload()
        except Exception as exc:  # reported in the table: never a made-up number
            log.exception("workload %s failed", name)
            self.failures.append(f"{name}: {exc}")
            self.add(Row(f"{name} FAILED", "", True, note=str(exc)[:200]))

    # the whole run ----------------------------------------------------------------------------
    def run(self) -> list[Path]:
        args = self.args
        imports = [f"import-{k}-{i}@{DOMAIN}" for k in ("mbox", "maildir") for i in range(9)]
        users = SMTP_USERS + imports
        postgres = self.ours.setup(users)
        users += [box_user(s) for s in args.sizes]
        if not args.no_peer:
            self.peer, self.peer_note = start_peer(self.work / "peer", users)
            if self.peer:
                from bench.peers.stack import versions

                self.versions = versions()
        if self.peer_note:
            self.say(f"NOTE: {self.peer_note}")
        facts = machine.facts(postgres, self.versions)
        try:
            workloads = set(args.workloads)
            if workloads & {"storage", "imap", "mix", "pop3"}:
                self.fill()
            if workloads & {"imap", "mix", "pop3"}:
                ours = self.ours.serve()
                theirs = (
                    Target("Postfix+Dovecot", imap=self.peer.ports.imap, pop3=self.peer.ports.pop3)
                    if self.peer
                    else None
                )
                try:
                    if "imap" in workloads:
                        self.attempt("imap", lambda: self.imap(ours, theirs))
                    if "mix" in workloads:
                        self.attempt("mix", lambda: self.mix(ours, theirs))
                    if "pop3" in workloads:
                        self.attempt("pop3", lambda: self.pop3(ours, theirs))
                finally:
                    self.ours.stop_serving()
            if "smtp" in workloads:
                self.attempt("smtp", self.smtp)
            if "import" in workloads:
                self.attempt("import", self.imports)
        finally:
            if self.peer:
                from bench.peers.stack import stop

                stop(self.peer.layout.base)
            self.ours.close()
        facts["load_average_end"] = os.getloadavg()
        settings = {k: v for k, v in vars(args).items() if k not in ("results", "database_url")}
        settings["peer"] = self.peer_note or "ran"
        settings["failures"] = self.failures
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        print()
        print(text_table(self.rows))
        return save(self.rows, facts, settings, args.results, stamp)


WORKLOADS = ("storage", "imap", "mix", "pop3", "smtp", "import")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.compare",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="IMAP mailbox sizes")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per IMAP command")
    parser.add_argument("--heavy-repeat", type=int, help="runs of SMTP/mix/POP3/import")
    parser.add_argument("--quick", action="store_true", help="1,000 messages, short durations")
    parser.add_argument("--smtp-count", type=int, default=10_000)
    parser.add_argument("--smtp-concurrency", type=int, default=16)
    parser.add_argument("--mix-clients", type=int, default=50)
    parser.add_argument("--mix-seconds", type=float, default=60.0)
    parser.add_argument("--mix-processes", type=int, default=5)
    parser.add_argument("--mix-size", type=int, default=10_000)
    parser.add_argument("--pop3-size", type=int, default=10_000)
    parser.add_argument("--import-count", type=int, default=100_000)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--no-peer", action="store_true", help="measure mailstore only")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument(
        "--database-url", default="", help="an empty database for our side (default: embedded)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = "1000"
        args.smtp_count = min(args.smtp_count, 1000)
        args.mix_clients = min(args.mix_clients, 10)
        args.mix_seconds = min(args.mix_seconds, 5.0)
        args.import_count = min(args.import_count, 1000)
        args.repeat = min(args.repeat, 2)
    args.sizes = sorted({int(s) for s in str(args.sizes).split(",") if s.strip()})
    args.workloads = [w.strip() for w in str(args.workloads).split(",") if w.strip()]
    if args.heavy_repeat is None:
        args.heavy_repeat = 1 if args.quick else args.repeat
    problems = [
        not args.sizes or not all(1 <= s <= MAX_SIZE for s in args.sizes),
        not 1 <= args.repeat <= 20,
        not 1 <= args.heavy_repeat <= 9,
        not 1 <= args.smtp_count <= 200_000,
        not 1 <= args.smtp_concurrency <= 200,
        not 1 <= args.mix_clients <= 500,
        not 1 <= args.mix_seconds <= 600,
        not 1 <= args.import_count <= MAX_SIZE,
        not set(args.workloads) <= set(WORKLOADS),
    ]
    if any(problems):
        parser.error(
            f"sizes 1..{MAX_SIZE:,}, --repeat 1..20, --heavy-repeat 1..9, --smtp-count "
            "1..200,000, --smtp-concurrency 1..200, --mix-clients 1..500, --mix-seconds "
            f"1..600, --import-count 1..{MAX_SIZE:,}, --workloads from {','.join(WORKLOADS)}"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        paths = Comparison(args, args.work).run()
    else:
        with tempfile.TemporaryDirectory(prefix="mailstore-compare-") as tmp:
            paths = Comparison(args, Path(tmp)).run()
    for path in paths:
        print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
