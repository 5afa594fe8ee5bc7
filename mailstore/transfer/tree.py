"""Hosting trees: find each user's Maildir under a folder of many users.

Layouts recognised, for the domain ``D`` being imported:

* ``PATH/D/<user>/`` (virtual hosting, e.g. ``/var/vmail``), the user folder being a Maildir
  or holding ``Maildir/``;
* ``PATH/<user>/Maildir/`` (home directories, e.g. ``/home``), or ``PATH/<user>/`` itself a
  Maildir.

Each user folder becomes the account ``<user>@D`` (the folder name lower-cased).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mailstore.addresses import normalize_address, normalize_domain
from mailstore.errors import InvalidArgument
from mailstore.transfer.maildir import find_folders, is_maildir
from mailstore.transfer.source import TransferError


@dataclass(frozen=True, slots=True)
class TreeAccount:
    address: str
    maildir: Path


def _maildir_of(user_dir: Path) -> Path | None:
    if (user_dir / "Maildir").is_dir():
        return user_dir / "Maildir"
    if is_maildir(user_dir):
        return user_dir
    try:
        if any(find_folders(user_dir)):  # Maildir++ folders without an INBOX of their own
            return user_dir
    except TransferError:
        return None
    return None


def find_accounts(root: Path, domain: str) -> tuple[list[TreeAccount], list[str]]:
    """(accounts with their Maildir, notes on folders that are skipped)."""
    domain = normalize_domain(domain)
    if not root.is_dir():
        raise TransferError(root, 0, "not a directory")
    base = root / domain if (root / domain).is_dir() else root
    accounts: list[TreeAccount] = []
    skipped: list[str] = []
    try:
        entries = sorted(os.scandir(base), key=lambda e: e.name)
    except OSError as exc:
        raise TransferError(base, 0, f"cannot list: {exc.strerror}") from exc
    for entry in entries:
        if not entry.is_dir() or entry.name.startswith(".") or entry.name in ("cur", "new", "tmp"):
            continue
        maildir = _maildir_of(Path(entry.path))
        if maildir is None:
            skipped.append(f"{entry.path}: no Maildir in it")
            continue
        try:
            address = normalize_address(f"{entry.name}@{domain}")
        except InvalidArgument:
            skipped.append(f"{entry.path}: {entry.name!r} is not a valid user name")
            continue
        accounts.append(TreeAccount(address, maildir))
    return accounts, skipped
