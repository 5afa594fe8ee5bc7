"""``mailstore deliver --to ADDR``: the local delivery agent (like dovecot-lda).

Reads one message on stdin and stores it for every recipient in one transaction. Exit codes
follow sysexits.h as MTAs expect of an LDA: 0 committed, 67 unknown user, 75 temporary
failure (over quota, database down) so the MTA retries, 65 bad input.
"""

from __future__ import annotations

import argparse
import sys

from mailstore.cli.common import config_from_args, console, err_console, opened_store
from mailstore.errors import MailstoreError, NotFound, OverQuota, Temporary
from mailstore.store import Target, prepare
from mailstore.store.maillog import Reception

EX_DATAERR = 65
EX_NOUSER = 67
EX_TEMPFAIL = 75


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("deliver", help="deliver one message from stdin to local recipients")
    p.add_argument("--to", action="append", required=True, metavar="ADDR", help="recipient")
    p.add_argument("--mailbox", default="INBOX", help="mailbox to deliver into (default INBOX)")
    p.add_argument(
        "--from",
        dest="sender",
        default="",
        metavar="ADDR",
        help="envelope sender, used when an alias forwards to a remote address (default <>)",
    )
    p.set_defaults(func=deliver)


async def deliver(args: argparse.Namespace) -> int:
    raw = sys.stdin.buffer.read()
    if not raw:
        err_console.print("deliver: empty message on stdin")
        return EX_DATAERR
    config = config_from_args(args)
    if len(raw) > config.limits.message_size:
        err_console.print(f"deliver: message of {len(raw)} bytes exceeds limits.message_size")
        return EX_DATAERR
    message = await prepare(raw)
    async with opened_store(config) as store:
        targets: list[Target] = []
        forwards: list[str] = []
        for address in args.to:
            try:
                resolution = await store.directory.resolve(address)
            except NotFound:
                err_console.print(f"deliver: no such user: {address}")
                return EX_NOUSER
            if resolution is None:
                err_console.print(f"deliver: {address} is not in a local domain")
                return EX_NOUSER
            forwards.extend(resolution.external)
            targets.extend(Target(a, args.mailbox) for a in resolution.accounts)
        if not targets and not forwards:
            err_console.print("deliver: no local mailbox to deliver to")
            return EX_NOUSER
        # the mail log row goes with the local copies, or with the queueing when there are none
        reception = Reception("deliver", sender=args.sender, remote_recipients=len(forwards))
        if forwards:
            queue_id = await store.queue.enqueue(
                args.sender, forwards, message, reception=None if targets else reception
            )
            console.print(f"queued for {', '.join(forwards)} (queue id {queue_id})")
        results = await store.ingest.deliver(message, targets, reception) if targets else []
    code = 0
    for target, result in zip(targets, results, strict=True):
        if isinstance(result, MailstoreError):
            err_console.print(f"deliver: account {target.account_id}: {result}")
            code = EX_TEMPFAIL if isinstance(result, OverQuota | Temporary) else EX_NOUSER
        else:
            console.print(
                f"delivered to {result.mailbox} uid {result.uid} (account {result.account_id})"
            )
    return code
