"""Shared CLI plumbing: config, database, store lifetime, output, errors."""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rich.console import Console

from mailstore.config import Config, load_config
from mailstore.errors import InvalidArgument
from mailstore.runtime import DatabaseHandle, ensure_schema, open_database, open_store
from mailstore.store import Store

console = Console()
err_console = Console(stderr=True)

_SIZE = re.compile(r"^\s*(\d+)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def config_from_args(args: argparse.Namespace) -> Config:
    return load_config(home=args.home, path=args.config)


@asynccontextmanager
async def opened_store(config: Config, *, migrate: bool = False) -> AsyncIterator[Store]:
    handle: DatabaseHandle = open_database(config)
    await ensure_schema(handle, migrate)
    store = await open_store(config, handle, max_size=2)
    try:
        yield store
    finally:
        await store.close()


def parse_size(text: str) -> int | None:
    """``100M``, ``2G``, ``512000`` -> bytes; ``none``/``0``/``unlimited`` -> None."""
    if text.strip().lower() in ("none", "unlimited", "0"):
        return None
    m = _SIZE.match(text)
    if not m:
        raise InvalidArgument(f"not a size: {text!r} (use e.g. 500M, 2G or none)")
    return int(m.group(1)) * _UNITS[m.group(2).lower()]


def human_size(n: int | None) -> str:
    if n is None:
        return "unlimited"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def read_password(from_stdin: bool) -> str:
    """From one stdin line (``--password-stdin``) or a double prompt; never from argv."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise InvalidArgument("no terminal to prompt for a password: use --password-stdin")
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise InvalidArgument("passwords differ")
    if not password:
        raise InvalidArgument("empty password")
    return password
