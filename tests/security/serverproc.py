"""``mailstore serve`` as a subprocess, for the few tests that measure the server's memory.

Like ``bench.imap_bench.start_server_ports`` (same readiness line), with extra settings: every
listener on 127.0.0.1 port 0, DNS pointed at a closed loopback port (nothing leaves the
machine), and a small message size so that over-size input is cheap to send.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.imap_bench import LISTENERS, READY

#: RFC 5321 §4.5.3.1.7 asks for at least 64 KB; small, so over-size input is quick to send.
MESSAGE_SIZE = 1024 * 1024


#: Listener labels in the startup lines that are not the listener's name.
LABELS = {
    "SMTP (MX)": "smtp",
    "SMTP submission (STARTTLS)": "submission",
    "SMTP submissions (implicit TLS)": "submissions",
}


@dataclass
class ServerProcess:
    proc: subprocess.Popen[bytes]
    ports: dict[str, int]

    def rss(self) -> int:
        """Resident set size in bytes (VmRSS of /proc/PID/status)."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        assert match is not None, status
        return int(match.group(1)) * 1024

    def alive(self) -> bool:
        return self.proc.poll() is None


@contextmanager
def serve(url: str, home: Path) -> Iterator[ServerProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILSTORE_")}
    env.update({f"MAILSTORE_LISTENERS_{n.upper()}": "127.0.0.1:0" for n in LISTENERS})
    env["MAILSTORE_DATABASE_URL"] = url
    env["MAILSTORE_DNS_NAMESERVERS"] = "127.0.0.1:9"
    env["MAILSTORE_DNS_TIMEOUT"] = "0.2"
    env["MAILSTORE_LIMITS_MESSAGE_SIZE"] = str(MESSAGE_SIZE)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailstore.cli.main", "--home", str(home), "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        ports: dict[str, int] = {}
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        line = ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline().decode(errors="replace")
            if not line:
                break
            m = re.match(r"(.+?) listening on 127\.0\.0\.1:(\d+)", line)
            if m:  # "imap listening on ...", "SMTP (MX) listening on ...", "LMTP listening ..."
                label = m.group(1)
                ports[LABELS.get(label, label.split()[0].lower())] = int(m.group(2))
            if READY in line:
                break
        assert READY in line, f"mailstore serve did not start: {line.strip()}"
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        yield ServerProcess(proc, ports)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
