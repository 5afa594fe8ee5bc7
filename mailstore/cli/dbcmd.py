"""``mailstore db upgrade|status|grant-reporting|schema-doc``."""

from __future__ import annotations

import argparse
import sys

from mailstore.cli.common import config_from_args, console, err_console, read_password
from mailstore.migrate import current_revision, head_revision, upgrade_async
from mailstore.reports.role import grant_reporting
from mailstore.runtime import ensure_schema, open_database
from mailstore.schemadoc import render_markdown
from mailstore.store.db import Database


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="database schema")
    dsub = db.add_subparsers(dest="action", required=True)
    p = dsub.add_parser("upgrade", help="apply schema migrations")
    p.set_defaults(func=db_upgrade)
    p = dsub.add_parser("status", help="show the schema version against this code's")
    p.set_defaults(func=db_status)
    p = dsub.add_parser(
        "grant-reporting",
        help="create/grant a read-only role for the report views (nothing else)",
        description="Create ROLE if missing (NOLOGIN unless --login) and grant it USAGE on "
        "schema report and SELECT on its views, and no other right. Idempotent.",
    )
    p.add_argument("role")
    p.add_argument("--login", action="store_true", help="a LOGIN role with a password (prompted)")
    p.add_argument(
        "--password-stdin", action="store_true", help="with --login: read the password from stdin"
    )
    p.set_defaults(func=db_grant_reporting)
    p = dsub.add_parser("schema-doc", help="print docs/schema.md (tables, columns, views)")
    p.set_defaults(func=db_schema_doc)


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


async def db_grant_reporting(args: argparse.Namespace) -> int:
    if args.password_stdin and not args.login:
        err_console.print("db grant-reporting: --password-stdin needs --login")
        return 2
    password = read_password(args.password_stdin) if args.login else None
    handle = open_database(config_from_args(args))
    await ensure_schema(handle, migrate=False)
    db = await Database.connect(handle.url, min_size=1, max_size=1)
    try:
        granted = await grant_reporting(db, args.role, login=args.login, password=password)
    finally:
        await db.close()
    kind = "LOGIN" if granted.login else "NOLOGIN"
    verb = "created" if granted.created else "updated"
    console.print(
        f"role {granted.role} ({kind}) {verb}: may read the report views only", markup=False
    )
    if granted.also_readable:
        err_console.print(
            f"warning: {granted.role} can also read {', '.join(granted.also_readable)} "
            "through other grants; revoke them to confine it",
            markup=False,
        )
        return 1
    return 0


async def db_schema_doc(args: argparse.Namespace) -> int:
    sys.stdout.write(render_markdown())
    return 0
