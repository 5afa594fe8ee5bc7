"""Facts about the machine a comparison ran on, saved with its results."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor()


def _ram_bytes() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def facts(postgres: str, peer_versions: dict[str, str]) -> dict[str, object]:
    """CPU, cores, RAM, load, OS, Python, PostgreSQL, Postfix and Dovecot versions, date."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_bytes": _ram_bytes(),
        "load_average": os.getloadavg(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "postgresql": postgres,
        "postfix": peer_versions.get("postfix", ""),
        "dovecot": peer_versions.get("dovecot", ""),
    }
