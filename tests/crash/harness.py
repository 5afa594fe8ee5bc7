"""The driver: a cluster, a proxy, a server process, the load, and one method per fault kind.

::

    with Harness(workdir, clients=16) as h:
        h.round_kill()                      # SIGKILL at a random moment under load
        h.round_failpoint("deliver-before-commit")
        h.round_database_crash()            # pg_ctl stop -m immediate; 451 4.3.0 meanwhile
        h.round_commit_cut()                # the proxy drops links at COMMIT
        h.final()                           # queue drained to the remote MX, last check
        print(h.summary())

Each round ends with :meth:`check`, which raises :class:`InvariantError` listing every problem.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailstore import failpoints
from mailstore.store import Passwords, Store
from tests.crash.clients import (
    DOMAIN,
    FORWARD,
    PASSWORD,
    REMOTE_TARGET,
    ROLES,
    Account,
    Load,
    probe_smtp,
)
from tests.crash.cluster import CrashCluster
from tests.crash.invariants import Checker, Report
from tests.crash.ledger import Ledger
from tests.crash.proxy import CommitCutProxy
from tests.crash.remote import RemoteMX
from tests.crash.server import MailServer
from tests.dnsserver import DNSServer

#: Which operations make each failpoint fire (weighted up while it is armed).
FOCUS: dict[str, tuple[str, ...]] = {
    "deliver-before-begin": ("smtp", "lmtp", "append"),
    "deliver-before-commit": ("smtp", "lmtp", "append"),
    "smtp-after-commit": ("smtp", "lmtp", "smtp2"),
    "imap-append-literal": ("append_big",),
    "move-before-delete": ("move",),
    "expunge-before-commit": ("expunge",),
    "pop3-update-before-commit": ("pop3",),
    "outbound-after-250": ("forward",),
}


class InvariantError(AssertionError):
    """A check after a fault found problems."""


@dataclass
class Stats:
    faults: dict[str, int] = field(default_factory=dict)
    restarts: int = 0
    checks_passed: int = 0
    outage_probes: int = 0

    def fault(self, kind: str) -> None:
        self.faults[kind] = self.faults.get(kind, 0) + 1


class Harness:
    def __init__(
        self,
        workdir: Path | None = None,
        *,
        clients: int = 16,
        accounts: int = 9,
        seed: int | None = None,
        unsafe: bool = False,
    ) -> None:
        # not pytest's tmp_path: other pytest runs make its base folder private (0700) again,
        # and the cluster runs as an unprivileged user that must reach its data folder
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="mailstore-crash-"))
        self.seed = seed if seed is not None else random.randrange(1 << 30)
        self.rng = random.Random(self.seed)
        self.unsafe = unsafe
        self.stats = Stats()
        self.ledger = Ledger()
        self._closers: list[Any] = []
        if self._own_workdir:
            self._closers.append(lambda: remove(self.workdir))
        try:
            self.dns = DNSServer()
            self._closers.append(self.dns.close)
            self.remote = RemoteMX()
            self._closers.append(self.remote.close)
            self.cluster = CrashCluster(self.workdir / "db")
            self._closers.append(self.cluster.stop)
            if unsafe:
                self.cluster.set_unsafe_durability()
            self.proxy = CommitCutProxy(self.cluster.socket_path)
            self._closers.append(self.proxy.close)
            self.accounts = asyncio.run(self._populate(accounts))
            extra = {"MAILSTORE_DATABASE_UNSAFE_DURABILITY": "true"} if unsafe else {}
            self.server = MailServer(
                self.workdir / "home",
                self.proxy.url(),
                nameserver=self.dns.nameserver,
                relayhost=f"127.0.0.1:{self.remote.port}",
                extra_env=extra,
            )
            self._closers.append(self.server.kill)
            self.server.home.mkdir(parents=True, exist_ok=True)
            self.server.start()
            self.checker = Checker(self.cluster.url, self.ledger)
            self.load = Load(
                self.ledger, self.accounts, lambda: self.server.ports, clients, self.seed
            )
            self._closers.append(self.load.close)
        except BaseException:
            self.close()
            raise

    async def _populate(self, count: int) -> list[Account]:
        store = await Store.open(self.cluster.url, passwords=Passwords(1, 1024))
        try:
            await store.directory.add_domain(DOMAIN)
            accounts = []
            for i in range(count):
                address = f"user{i:02d}@{DOMAIN}"
                acc = await store.directory.add_account(address, PASSWORD)
                accounts.append(Account(acc.id, address, ROLES[i % len(ROLES)]))
            await store.directory.add_alias(FORWARD, [REMOTE_TARGET])
            return accounts
        finally:
            await store.close()

    def __enter__(self) -> Harness:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for closer in reversed(self._closers):
            try:
                closer()
            except Exception:
                pass
        self._closers.clear()

    # -- pieces ----------------------------------------------------------------------------------
    def drive(self, seconds: float) -> None:
        self.load.resume()
        time.sleep(seconds)

    def check(self, after: str) -> Report:
        """Pause the load, check every invariant, raise :class:`InvariantError` on problems."""
        self.load.pause()
        report = self.checker.check()
        if report.problems:
            raise InvariantError(
                f"after {after} (seed {self.seed}):\n{report.describe()}\n"
                f"--- server log ---\n{self.server.tail(30)}"
            )
        self.stats.checks_passed += 1
        return report

    def restart(self, failpoints: str = "") -> None:
        self.server.kill()
        self.server.start(failpoints)
        self.stats.restarts += 1

    # -- fault rounds --------------------------------------------------------------------------------
    def round_kill(self, load: tuple[float, float] = (0.5, 2.0)) -> None:
        """SIGKILL of the server at a random moment under load."""
        self.drive(self.rng.uniform(*load))
        self.ledger.fault("kill")
        self.server.kill()
        self.stats.fault("kill")
        self.check("SIGKILL")
        self.restart()

    def round_failpoint(self, name: str, timeout: float = 40.0) -> None:
        """Arm ``name`` (at its 1st-4th hit), drive the operations that reach it until the server
        kills itself there, check, restart clean."""
        assert name in failpoints.KNOWN
        self.load.pause()
        self.restart(f"{name}={self.rng.randint(1, 4)}")
        base = self.load.weights
        self.load.weights = base.focus(FOCUS[name])
        try:
            self.load.resume()
            died = self.server.wait_dead(timeout)
        finally:
            self.load.weights = base
        if not died:
            raise InvariantError(f"failpoint {name} did not fire in {timeout} s")
        self.ledger.fault(f"failpoint {name}")
        self.stats.fault(f"failpoint {name}")
        fired = self.server.failpoint_fired[-1:] == [name]
        self.check(f"failpoint {name}")
        if not fired:
            raise InvariantError(f"server died, but not at failpoint {name}:\n{self.server.tail()}")
        self.restart()

    def round_database_crash(self, outage: float = 1.5, recover: float = 60.0) -> None:
        """``pg_ctl stop -m immediate`` under load; while it is down, deliveries must get
        ``451 4.3.0`` (never 250); after it is back the server must deliver again, unrestarted."""
        self.drive(self.rng.uniform(0.5, 1.5))
        self.cluster.crash()
        self.ledger.fault("database crash")
        self.stats.fault("database crash")
        start = time.monotonic()
        target = self.accounts[0]
        while True:
            code, text = probe_smtp(self.ledger, self.server.ports["smtp"], target)
            self.stats.outage_probes += 1
            if code == 250 or not (code == 451 and "4.3.0" in text):
                self.load.pause()
                self.cluster.start()
                raise InvariantError(f"during the database outage a delivery got {code} {text}")
            if time.monotonic() - start > outage:
                break
        self.load.pause()
        self.cluster.start()
        self.stats.restarts += 1
        deadline = time.monotonic() + recover
        while True:  # the same server process recovers on its own
            code, text = probe_smtp(self.ledger, self.server.ports["smtp"], target)
            if code == 250:
                break
            if time.monotonic() > deadline:
                raise InvariantError(f"no recovery after the database came back: {code} {text}")
            time.sleep(0.2)
        self.check("database crash")

    def round_commit_cut(self, links: int = 3, after: bool | None = None) -> None:
        """The proxy drops links carrying a COMMIT, before forwarding it (the transaction rolls
        back) or just after (it may have committed; the server cannot know)."""
        if after is None:
            after = self.rng.random() < 0.5
        before_cuts = self.proxy.cuts
        self.load.resume()
        self.proxy.arm(links, after_forward=after)
        deadline = time.monotonic() + 30
        while self.proxy.cuts - before_cuts < links and time.monotonic() < deadline:
            time.sleep(0.05)
        self.proxy.disarm()
        self.ledger.fault("commit cut")
        self.stats.fault(f"commit cut ({'after' if after else 'before'} forwarding)")
        self.drive(0.5)
        if self.proxy.cuts == before_cuts:
            raise InvariantError("the proxy never saw a COMMIT to cut")
        self.check("connection cut at COMMIT")

    def round_negative_control(self) -> Report:
        """With ``synchronous_commit = off`` (``unsafe=True``): crash the database right under a
        burst of deliveries and return the check's report, which must show LOSS."""
        assert self.unsafe, "the negative control needs Harness(unsafe=True)"
        base = self.load.weights
        self.load.weights = base.focus(("smtp", "lmtp", "append", "smtp2"), factor=20)
        try:
            self.drive(self.rng.uniform(0.8, 1.5))
            self.cluster.crash()
        finally:
            self.load.weights = base
        self.ledger.fault("database crash (unsafe)")
        self.stats.fault("database crash, synchronous_commit off")
        self.load.pause()
        self.cluster.start()
        self.stats.restarts += 1
        return self.checker.check()

    # -- the end -------------------------------------------------------------------------------------
    def final(self, drain: float = 90.0) -> Report:
        """Everything acknowledged for the remote MX arrives there (at least once; twice only
        with a fault between the two receptions); the queue ends empty."""
        self.load.pause()
        if not self.server.alive:
            self.restart()
        deadline = time.monotonic() + drain
        while True:
            left = self._queued()
            if not left:
                break
            if time.monotonic() > deadline:
                raise InvariantError(f"{left} queue rows still pending after {drain} s")
            time.sleep(0.3)
        report = self.check("the final drain")
        problems = self._remote_problems()
        if problems:
            raise InvariantError("remote MX:\n" + "\n".join(problems[:30]))
        return report

    def _queued(self) -> int:
        async def count() -> int:
            import asyncpg

            conn = await asyncpg.connect(self.cluster.url)
            try:
                return int(await conn.fetchval("SELECT count(*) FROM queue_recipients"))
            finally:
                await conn.close()

        return asyncio.run(count())

    def _remote_problems(self) -> list[str]:
        problems = []
        faults = [t for t, _ in self.ledger.faults]
        with self.remote.lock:
            received = {k: list(v) for k, v in self.remote.received.items()}
        for token, got in received.items():
            sent = self.ledger.sent.get(token)
            if sent is None or not sent.remote:
                problems.append(f"{token}: not sent to the remote MX")
                continue
            for _, raw in got:
                if not sent.matches_tail(raw):
                    problems.append(f"{token}: the remote MX got other bytes than sent")
            for (t1, _), (t2, _) in itertools.pairwise(got):
                if not any(t1 <= f <= t2 for f in faults):
                    problems.append(f"{token}: delivered twice with no fault in between")
        for sent in self.ledger.sent.values():
            if sent.remote_acked and sent.token not in received:
                problems.append(f"LOSS: acknowledged forward {sent.token} never delivered")
        return problems

    def summary(self) -> str:
        stats = self.ledger.stats()
        counts = self.ledger.counts
        lines = [f"crash harness summary (seed {self.seed})"]
        lines += [f"  {k}: {v}" for k, v in stats.items()]
        lines.append(
            "  operations acknowledged: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.acked.items()))
        )
        lines.append(
            "  operations failed/unacknowledged: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.failed.items()))
        )
        lines.append(
            "  faults injected: " + ", ".join(f"{k} x{v}" for k, v in self.stats.faults.items())
        )
        lines.append(f"  restarts (server or database): {self.stats.restarts}")
        lines.append(f"  outage probes answered 451 4.3.0: {self.stats.outage_probes}")
        lines.append(f"  invariant checks passed: {self.stats.checks_passed}")
        with self.remote.lock:
            dup = sum(1 for v in self.remote.received.values() if len(v) > 1)
            lines.append(
                f"  remote MX: {len(self.remote.received)} tokens received, {dup} more than once"
            )
        return "\n".join(lines)


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
