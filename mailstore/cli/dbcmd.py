"""``mailstore db upgrade|status``."""

from __future__ import annotations

import argparse

from mailstore.cli.common import config_from_args, console
from mailstore.migrate import current_revision, head_revision, upgrade_async
from mailstore.runtime import open_database


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="database schema")
    dsub = db.add_subparsers(dest="action", required=True)
    p = dsub.add_parser("upgrade", help="apply schema migrations")
    p.set_defaults(func=db_upgrade)
    p = dsub.add_parser("status", help="show the schema version against this code's")
    p.set_defaults(func=db_status)


async def db_upgrade(args: argparse.Namespace) -> int:
    handle = open_database(config_from_args(args))
    before = await current_revision(handle.url)
    await upgrade_async(handle.url)
    after = await current_revision(handle.url)
    if before == after:
        console.print(f"database schema already at {after}")
    else:
        console.print(f"database schema upgraded {before or 'empty'} -> {after}")
    return 0


async def db_status(args: argparse.Namespace) -> int:
    handle = open_database(config_from_args(args))
    current = await current_revision(handle.url)
    head = head_revision()
    where = "embedded" if handle.embedded else "configured"
    console.print(f"database: {where}")
    console.print(f"schema:   {current or 'empty'}")
    console.print(f"code:     {head}")
    if current == head:
        console.print("status:   up to date")
        return 0
    console.print("status:   out of date: run `mailstore db upgrade`")
    return 1
