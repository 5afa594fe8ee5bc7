"""``mailstore domain|user|alias ...``: the hosting directory."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from rich.table import Table

from mailstore.cli.common import (
    config_from_args,
    console,
    human_size,
    opened_store,
    parse_size,
    read_password,
)
from mailstore.errors import AlreadyExists
from mailstore.transfer.passwd import parse_passwd


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    domain = sub.add_parser("domain", help="manage local domains")
    dsub = domain.add_subparsers(dest="action", required=True)
    p = dsub.add_parser("add", help="add a domain")
    p.add_argument("name")
    p.set_defaults(func=domain_add)
    p = dsub.add_parser("list", help="list domains")
    p.set_defaults(func=domain_list)
    p = dsub.add_parser("remove", help="remove a domain without accounts")
    p.add_argument("name")
    p.set_defaults(func=domain_remove)

    user = sub.add_parser("user", help="manage accounts")
    usub = user.add_subparsers(dest="action", required=True)
    p = usub.add_parser("add", help="create an account (password prompted or from stdin)")
    p.add_argument("address")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.add_argument("--quota", help="quota, e.g. 500M, 2G (default: limits.default_quota)")
    p.set_defaults(func=user_add)
    p = usub.add_parser("list", help="list accounts")
    p.add_argument("--domain")
    p.set_defaults(func=user_list)
    p = usub.add_parser("passwd", help="set an account's password")
    p.add_argument("address")
    p.add_argument("--password-stdin", action="store_true")
    p.add_argument(
        "--hash-stdin",
        action="store_true",
        help="read a hash from another server ({SHA512-CRYPT}, {BLF-CRYPT}, {ARGON2ID}) instead",
    )
    p.set_defaults(func=user_passwd)
    p = usub.add_parser("import-passwd", help="create accounts from a Dovecot passwd-file")
    p.add_argument("file")
    p.add_argument("--domain", help="domain for user names without @")
    p.add_argument("--update", action="store_true", help="replace hashes of existing accounts")
    p.set_defaults(func=user_import_passwd)
    p = usub.add_parser("quota", help="set an account's quota (e.g. 2G, or none)")
    p.add_argument("address")
    p.add_argument("size")
    p.set_defaults(func=user_quota)
    p = usub.add_parser("remove", help="delete an account and all its mail")
    p.add_argument("address")
    p.set_defaults(func=user_remove)

    alias = sub.add_parser("alias", help="manage aliases (user@domain or catch-all @domain)")
    asub = alias.add_subparsers(dest="action", required=True)
    p = asub.add_parser("add", help="add an alias to one or more targets")
    p.add_argument("alias")
    p.add_argument("targets", nargs="+")
    p.set_defaults(func=alias_add)
    p = asub.add_parser("list", help="list aliases")
    p.add_argument("--domain")
    p.set_defaults(func=alias_list)
    p = asub.add_parser("remove", help="remove an alias (or one of its targets)")
    p.add_argument("alias")
    p.add_argument("target", nargs="?")
    p.set_defaults(func=alias_remove)


async def domain_add(args: argparse.Namespace) -> int:
    async with opened_store(config_from_args(args)) as store:
        domain = await store.directory.add_domain(args.name)
    console.print(f"domain {domain.name} added")
    return 0


async def domain_list(args: argparse.Namespace) -> int:
    async with opened_store(config_from_args(args)) as store:
        domains = await store.directory.list_domains()
    table = Table("domain", "accounts", "created")
    for d in domains:
        table.add_row(d.name, str(d.accounts), d.created_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)
    return 0


async def domain_remove(args: argparse.Namespace) -> int:
    async with opened_store(config_from_args(args)) as store:
        await store.directory.remove_domain(args.name)
    console.print(f"domain {args.name} removed")
    return 0


async def user_add(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    quota = parse_size(args.quota) if args.quota else (config.limits.default_quota or None)
    password = read_password(args.password_stdin)
    async with opened_store(config) as store:
        account = await store.directory.add_account(args.address, password, quota)
    console.print(f"account {account.address} created (quota {human_size(account.quota_bytes)})")
    return 0


async def user_list(args: argparse.Namespace) -> int:
    async with opened_store(config_from_args(args)) as store:
        accounts = await store.directory.list_accounts(args.domain)
    table = Table("address", "used", "quota", "created")
    for a in accounts:
        table.add_row(
            a.address,
            human_size(a.used_bytes),
            human_size(a.quota_bytes),
            a.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)
    return 0


async def user_passwd(args: argparse.Namespace) -> int:
    if args.hash_stdin:
        stored = sys.stdin.readline().strip()
        async with opened_store(config_from_args(args)) as store:
            await store.directory.set_password_hash(args.address, stored)
        console.print(f"password hash of {args.address} set (re-hashed at the next login)")
        return 0
    password = read_password(args.password_stdin)
    async with opened_store(config_from_args(args)) as store:
        await store.directory.set_password(args.address, password)
    console.print(f"password of {args.address} changed")
    return 0


async def user_import_passwd(args: argparse.Namespace) -> int:
    """Accounts from a Dovecot passwd-file: missing ones created, existing ones left alone
    unless ``--update`` (then their hash is replaced)."""
    config = config_from_args(args)
    text = await asyncio.to_thread(Path(args.file).read_text, encoding="utf-8")
    entries = parse_passwd(text.splitlines(), args.domain)
    quota = config.limits.default_quota or None
    created = updated = kept = 0
    async with opened_store(config) as store:
        for entry in entries:
            try:
                await store.directory.add_account(
                    entry.address, None, quota, password_hash=entry.password_hash
                )
                created += 1
            except AlreadyExists:
                if args.update:
                    await store.directory.set_password_hash(entry.address, entry.password_hash)
                    updated += 1
                else:
                    kept += 1
    console.print(f"{created} accounts created, {updated} updated, {kept} left as they were")
    return 0


async def user_quota(args: argparse.Namespace) -> int:
    quota = parse_size(args.size)
    async with opened_store(config_from_args(args)) as store:
        await store.directory.set_quota(args.address, quota)
    console.print(f"quota of {args.address} set to {human_size(quota)}")
    return 0


async def user_remove(args: argparse.Namespace) -> int:
    async with opened_store(config_from_args(args)) as store:
        await store.directory.remove_account(args.address)
    console.print(f"account {args.address} removed")
    return 0


async def alias_add(args: argparse.Namespace) -> int:
    async with opened_store(config_from_args(args)) as store:
        added = await store.directory.add_alias(args.alias, args.targets)
    for a in added:
        console.print(f"alias {a.source} -> {a.target} added")
    return 0


async def alias_list(args: argparse.Namespace) -> int:
    async with opened_store(config_from_args(args)) as store:
        aliases = await store.directory.list_aliases(args.domain)
    table = Table("alias", "target")
    for a in aliases:
        table.add_row(a.source, a.target)
    console.print(table)
    return 0


async def alias_remove(args: argparse.Namespace) -> int:
    async with opened_store(config_from_args(args)) as store:
        count = await store.directory.remove_alias(args.alias, args.target)
    console.print(f"removed {count} alias row(s)")
    return 0
