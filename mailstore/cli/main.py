"""``mailstore`` command line: parse, dispatch, and turn errors into one line + exit code."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from mailstore import logs
from mailstore.cli import admin, check, dbcmd, deliver, dnscmd, queue, report, serve, transfer
from mailstore.cli.common import err_console
from mailstore.config import ConfigError, load_config
from mailstore.embedded import EmbeddedError
from mailstore.errors import MailstoreError
from mailstore.logs import FORMATS
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
    parser.add_argument(
        "--log-format",
        choices=FORMATS,
        help='log lines as "text" (key=value fields) or "json" (default: [log] format)',
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve.register(sub)
    dbcmd.register(sub)
    admin.register(sub)
    deliver.register(sub)
    queue.register(sub)
    transfer.register(sub)
    report.register(sub)
    dnscmd.register(sub)
    check.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.configure(args.log_format or _configured_log_format(args), verbose=args.verbose)
    try:
        return asyncio.run(args.func(args))
    except KeyboardInterrupt:
        return 130
    except (ConfigError, MailstoreError, SchemaOutOfDate, EmbeddedError) as exc:
        # one line however long: it goes to logs and journals, not only to a terminal
        err_console.print(f"mailstore: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 1


def _configured_log_format(args: argparse.Namespace) -> str:
    """``[log] format`` (or MAILSTORE_LOG_FORMAT); "text" when the configuration cannot be
    read -- the command itself then reports why."""
    try:
        return load_config(home=args.home, path=args.config).log.format
    except ConfigError:
        return "text"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
