"""Run the ``mailstore`` command as an operator does: a subprocess with a config file."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli.test_cli import run
from tests.ops.conftest import HOST


def write_config(home: Path, database_url: str, nameserver: str, extra: str = "") -> Path:
    """``home/mailstore.toml`` for our host name, the test database and the loopback DNS."""
    path = home / "mailstore.toml"
    path.write_text(
        f'[server]\nhostname = "{HOST}"\n\n'
        f'[database]\nurl = "{database_url}"\n\n'
        f'[dns]\nnameservers = ["{nameserver}"]\ntimeout = 3.0\n\n' + extra,
        encoding="utf-8",
    )
    return path


def mailstore(home: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``mailstore --home HOME ARGS...`` (no MAILSTORE_* from the caller's environment)."""
    return run(home, *args)
