"""``mailstore serve`` as a separate process the harness can SIGKILL and start again.

Configuration comes only from ``MAILSTORE_*`` environment variables and a temporary home: every
listener on ``127.0.0.1:0`` (the ports are read from the lines ``serve`` prints), the database URL
through the harness's proxy, DNS on the loopback test responder, the outbound queue pointed at the
harness's remote MX, short leases and retries so recovery after a kill takes seconds. The process
output goes to a log file, whose tail is shown when something goes wrong.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

LISTENERS = ("smtp", "submission", "submissions", "lmtp", "imap", "imaps", "pop3", "pop3s")
READY = "mailstore is running"
_LISTENING = re.compile(r"^(.+?) listening on 127\.0\.0\.1:(\d+)")
#: The listener lines ``serve`` prints, by the name the clients use.
_LABELS = {"SMTP (MX)": "smtp", "LMTP": "lmtp", "imap": "imap", "pop3": "pop3"}


class ServerFailed(Exception):
    """``mailstore serve`` did not come up."""


class MailServer:
    def __init__(
        self,
        home: Path,
        database_url: str,
        *,
        nameserver: str,
        relayhost: str,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.home = home
        self.database_url = database_url
        self.nameserver = nameserver
        self.relayhost = relayhost
        self.extra_env = dict(extra_env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.ports: dict[str, int] = {}
        self.log_path = home / "serve.log"
        self.starts = 0
        self.failpoint_fired: list[str] = []
        self._reader: threading.Thread | None = None

    def env(self, failpoints: str = "") -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAILSTORE_")}
        env.update({f"MAILSTORE_LISTENERS_{n.upper()}": "127.0.0.1:0" for n in LISTENERS})
        env.update(
            {
                "MAILSTORE_DATABASE_URL": self.database_url,
                "MAILSTORE_DATABASE_POOL_MAX": "8",
                "MAILSTORE_SERVER_HOSTNAME": "mx.crash.test",
                "MAILSTORE_DNS_NAMESERVERS": self.nameserver,
                "MAILSTORE_DNS_TIMEOUT": "2",
                # accounts are made with cheap hashes; keep logins cheap (no re-hash either)
                "MAILSTORE_AUTH_ARGON2_TIME_COST": "1",
                "MAILSTORE_AUTH_ARGON2_MEMORY_COST_KIB": "1024",
                "MAILSTORE_QUEUE_RELAYHOST": self.relayhost,
                "MAILSTORE_QUEUE_RELAYHOST_TLS": "none",
                "MAILSTORE_QUEUE_LEASE": "3",
                "MAILSTORE_QUEUE_RETRY_FIRST": "1",
                "MAILSTORE_QUEUE_RETRY_MAX": "2",
                "MAILSTORE_QUEUE_POLL_INTERVAL": "0.5",
                "MAILSTORE_QUEUE_CONNECT_TIMEOUT": "5",
                "MAILSTORE_QUEUE_COMMAND_TIMEOUT": "5",
                "MAILSTORE_QUEUE_DATA_TIMEOUT": "10",
                "MAILSTORE_QUEUE_IDLE_TIMEOUT": "0.2",
                "MAILSTORE_SMTP_MAX_CONNECTIONS_PER_ADDRESS": "500",
                "MAILSTORE_SMTP_DMARC_QUARANTINE": "false",
                "MAILSTORE_FAILPOINTS": failpoints,
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, failpoints: str = "", timeout: float = 90) -> None:
        """Start and wait until every listener is up (``READY`` printed)."""
        assert not self.alive, "server already running"
        self.starts += 1
        log = self.log_path.open("ab")
        log.write(f"\n==== start {self.starts} failpoints={failpoints!r}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            [sys.executable, "-m", "mailstore.cli.main", "--home", str(self.home), "serve"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self.env(failpoints),
            cwd=str(Path(__file__).resolve().parents[2]),
        )
        self.proc = proc
        ports: dict[str, int] = {}
        ready = threading.Event()

        def read() -> None:
            assert proc.stdout is not None
            for raw in proc.stdout:
                log.write(raw)
                log.flush()
                line = raw.decode(errors="replace")
                m = _LISTENING.match(line)
                if m and m.group(1) in _LABELS:
                    ports[_LABELS[m.group(1)]] = int(m.group(2))
                if READY in line:
                    ready.set()
                if line.startswith("FAILPOINT "):
                    self.failpoint_fired.append(line.split()[1])
            log.close()

        self._reader = threading.Thread(target=read, name="serve-log", daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.05):
            if proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise ServerFailed(f"mailstore serve did not start:\n{self.tail()}")
        if set(ports) != set(_LABELS.values()):
            self.kill()
            raise ServerFailed(f"listeners missing ({sorted(ports)}):\n{self.tail()}")
        self.ports = ports

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind in the server."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.wait_dead()

    def wait_dead(self, timeout: float | None = 30) -> bool:
        """Wait for the process to be gone (a failpoint kills it); False on timeout."""
        if self.proc is None:
            return True
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        if self._reader is not None:
            self._reader.join(5)
        self.ports = {}
        return True

    def stop(self) -> None:
        """SIGTERM, as an operator would stop it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            if not self.wait_dead(60):
                self.kill()

    def tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
