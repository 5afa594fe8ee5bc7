"""Dovecot's side of the benchmark data: fill a Maildir, build its index, import, measure.

A user moving to Dovecot would have Dovecot's index built before reading mail (the first
SELECT builds it otherwise), so :func:`fill_maildir` writes the corpus as Maildir files, hands
them to the ``mail`` user and runs ``doveadm index`` before anything is timed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench.corpus import generate, write_maildir
from bench.peers.config import MAIL_GID, MAIL_UID
from bench.peers.stack import Stack


def chown_tree(root: Path) -> None:
    """Give ``root`` and everything below it to Dovecot's mail user."""
    os.chown(root, MAIL_UID, MAIL_GID)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), MAIL_UID, MAIL_GID)


def tree_bytes(root: Path) -> int:
    """Sum of the file sizes under ``root`` (messages plus Dovecot's index and cache files)."""
    total = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total


def fill_maildir(stack: Stack, user: str, count: int, seed: int = 1) -> float:
    """Write the first ``count`` corpus messages into ``user``'s INBOX and index them.

    Returns the seconds ``doveadm index`` took (the cost Dovecot pays before first use).
    """
    maildir = stack.layout.maildir(user)
    write_maildir(maildir, generate(count, seed=seed))
    # the folders written here (domain folder included) must be the mail user's, or Dovecot
    # cannot create the Maildirs of other users of the domain on their first delivery
    home = stack.layout.home(user)
    for folder in home.relative_to(stack.layout.mail_root).parents:
        os.chown(stack.layout.mail_root / folder, MAIL_UID, MAIL_GID)
    chown_tree(home)
    t0 = time.perf_counter()
    stack.doveadm("index", "-u", user, "INBOX")
    return time.perf_counter() - t0


def message_count(stack: Stack, user: str, mailbox: str = "INBOX") -> int:
    out = stack.doveadm("mailbox", "status", "-u", user, "messages", mailbox)
    return int(out.stdout.strip().rpartition("=")[2] or 0)


def import_mbox(stack: Stack, user: str, mbox: Path) -> float:
    """``doveadm import`` of an mbox file into ``user``'s INBOX; returns the seconds it took.

    The source is opened with an in-memory index (nothing is written next to it); its folder
    must hold nothing but the mbox, since Dovecot treats every file there as a mailbox.
    """
    chown_tree(mbox.parent)
    location = f"mbox:{mbox.parent}:INBOX={mbox}:INDEX=MEMORY"
    t0 = time.perf_counter()
    stack.doveadm("import", "-u", user, location, "", "all")
    return time.perf_counter() - t0


def import_maildir(stack: Stack, user: str, maildir: Path) -> float:
    """``doveadm import`` of a Maildir into ``user``'s mailboxes; returns the seconds it took."""
    chown_tree(maildir)
    t0 = time.perf_counter()
    stack.doveadm("import", "-u", user, f"maildir:{maildir}:INDEX=MEMORY", "", "all")
    return time.perf_counter() - t0


def queue_empty(stack: Stack) -> bool:
    """Whether Postfix's queue holds no message (everything was handed to Dovecot)."""
    for sub in ("maildrop", "incoming", "active", "deferred", "hold"):
        folder = stack.layout.postfix_queue / sub
        if folder.exists() and any(files for _d, _s, files in os.walk(folder)):
            return False
    return True


def wait_for_queue(stack: Stack, timeout: float) -> float:
    """Wait until Postfix's queue is empty; returns the time.perf_counter() when it was.

    A deferred message means a failed delivery (its retry would come minutes later): that is
    an error of the setup, reported at once with where to look.
    """
    deadline = time.monotonic() + timeout
    deferred = stack.layout.postfix_queue / "deferred"
    while not queue_empty(stack):
        if deferred.exists() and any(files for _d, _s, files in os.walk(deferred)):
            raise RuntimeError(
                f"Postfix deferred a delivery to Dovecot; see {stack.layout.postfix_log} "
                f"and {stack.layout.dovecot_log}"
            )
        if time.monotonic() > deadline:
            raise TimeoutError(f"Postfix's queue was not empty after {timeout:.0f} s")
        time.sleep(0.05)
    return time.perf_counter()
