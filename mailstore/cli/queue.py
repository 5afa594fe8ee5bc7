"""``mailstore queue list|show|retry|delete|flush|run`` (like mailq/postqueue/postsuper), and
``mailstore dkim keygen|list`` for the signing keys of outgoing mail.

``retry`` only makes mail due: the workers of a running ``mailstore serve`` pick it up at once
(NOTIFY). ``flush`` makes everything due and also runs one delivery pass in this process, so
it works without a server. ``run`` runs only the queue workers, until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from rich.table import Table

from mailstore.cli.common import config_from_args, console, human_size, opened_store
from mailstore.config import Config
from mailstore.errors import InvalidArgument, NotFound
from mailstore.message.headers import find_header_end, parse_fields, unfold
from mailstore.outbound import signing
from mailstore.outbound.results import Outcome
from mailstore.outbound.worker import QueueRunner
from mailstore.runtime import ensure_schema, open_database, open_store
from mailstore.store import Store
from mailstore.store.queue import PENDING, QueuedMessage


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    queue = sub.add_parser("queue", help="the outbound queue")
    qsub = queue.add_subparsers(dest="action", required=True)
    p = qsub.add_parser("list", help="list queued messages and their recipients (mailq)")
    p.add_argument("--limit", type=int, default=1000, help="at most this many messages")
    p.set_defaults(func=queue_list)
    p = qsub.add_parser("show", help="one message: envelope, recipients, header")
    p.add_argument("id", type=int)
    p.add_argument("--raw", action="store_true", help="print the whole message")
    p.set_defaults(func=queue_show)
    p = qsub.add_parser("retry", help="make deferred mail due now (one message or --all)")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("id", type=int, nargs="?")
    target.add_argument("--all", action="store_true", help="every queued message")
    p.set_defaults(func=queue_retry)
    p = qsub.add_parser("delete", help="remove messages from the queue, without a bounce")
    p.add_argument("ids", type=int, nargs="+", metavar="ID")
    p.set_defaults(func=queue_delete)
    p = qsub.add_parser("flush", help="make everything due and deliver it now (postqueue -f)")
    p.set_defaults(func=queue_flush)
    p = qsub.add_parser("run", help="run only the queue workers (until SIGINT/SIGTERM)")
    p.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    p.set_defaults(func=queue_run)
    _register_dkim(sub)


def _register_dkim(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    dkim = sub.add_parser("dkim", help="DKIM signing keys for outgoing mail")
    dsub = dkim.add_subparsers(dest="action", required=True)
    p = dsub.add_parser("keygen", help="make a key; prints the DNS TXT record to publish")
    p.add_argument("domain")
    p.add_argument("--selector", default=None, help="default: <algorithm>-<yyyymm>")
    p.add_argument("--algorithm", choices=["rsa", "ed25519"], default="rsa")
    p.set_defaults(func=dkim_keygen)
    p = dsub.add_parser("list", help="keys that sign outgoing mail, with their TXT records")
    p.set_defaults(func=dkim_list)


# -- queue ---------------------------------------------------------------------------------------
async def queue_list(args: argparse.Namespace) -> int:
    async with opened_store(config_from_args(args)) as store:
        messages = await store.queue.list(args.limit)
    if not messages:
        console.print("queue is empty")
        return 0
    table = Table("id", "queued", "size", "sender", "recipient", "status", "tries", "next try")
    pending = 0
    for m in messages:
        for i, r in enumerate(m.recipients):
            first = i == 0
            table.add_row(
                str(m.id) if first else "",
                _when(m.created_at) if first else "",
                human_size(m.size) if first else "",
                (m.sender or "<>") if first else "",
                r.recipient,
                _status(r.status, r.leased_by),
                str(r.attempts),
                _when(r.next_attempt_at) if r.status in PENDING else "",
            )
            pending += r.status in PENDING
    console.print(table)
    console.print(f"{len(messages)} message(s), {pending} recipient(s) pending")
    return 0


async def queue_show(args: argparse.Namespace) -> int:
    async with opened_store(config_from_args(args)) as store:
        message = await store.queue.get(args.id)
        if message is None:
            raise NotFound(f"no queued message {args.id}")
        raw = await store.queue.body(message.body_id)
    if args.raw:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
        return 0
    console.print(_envelope_table(message, raw))
    table = Table("recipient", "status", "tries", "last try", "next try", "host", "tls", "reply")
    for r in message.recipients:
        table.add_row(
            r.recipient,
            _status(r.status, r.leased_by),
            str(r.attempts),
            _when(r.last_attempt_at),
            _when(r.next_attempt_at) if r.status in PENDING else "",
            r.remote_host or "",
            r.tls or "",
            r.last_reply or "",
        )
    console.print(table)
    return 0


def _envelope_table(message: QueuedMessage, raw: bytes) -> Table:
    table = Table("field", "value", show_header=False)
    table.add_row("id", str(message.id))
    table.add_row("sender", message.sender or "<>")
    table.add_row("size", human_size(message.size))
    table.add_row("queued", _when(message.created_at))
    table.add_row("expires", _when(message.expires_at))
    table.add_row("account", str(message.account_id) if message.account_id else "")
    if message.params:
        table.add_row("parameters", " ".join(f"{k}={v}" for k, v in message.params.items()))
    for name, value in parse_fields(raw, 0, find_header_end(raw, 0, len(raw))):
        if name in ("from", "to", "subject", "date", "message-id"):
            table.add_row(name, unfold(value).decode("utf-8", "replace"))
    return table


async def queue_retry(args: argparse.Namespace) -> int:
    async with opened_store(config_from_args(args)) as store:
        count = await store.queue.retry(None if args.all else args.id, datetime.now(UTC))
    console.print(f"{count} recipient(s) due now")
    return 0


async def queue_delete(args: argparse.Namespace) -> int:
    code = 0
    async with opened_store(config_from_args(args)) as store:
        for queue_id in args.ids:
            try:
                await store.queue.delete(queue_id)
                console.print(f"message {queue_id} deleted")
            except NotFound as exc:
                console.print(f"mailstore: {exc}", markup=False, highlight=False)
                code = 1
    return code


async def queue_flush(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    async with _worker_store(config) as store:
        await store.queue.retry(None, datetime.now(UTC))
        outcomes = await QueueRunner(store, config).run_once()
    _print_outcomes(outcomes)
    return 0


async def queue_run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    async with _worker_store(config) as store:
        runner = QueueRunner(store, config)
        if args.once:
            _print_outcomes(await runner.run_once())
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        console.print(
            f"queue workers running ({config.queue.concurrency} lanes); Ctrl-C or SIGTERM stops"
        )
        await runner.run(stop)
    return 0


@asynccontextmanager
async def _worker_store(config: Config) -> AsyncIterator[Store]:
    """A store with a pool sized for the workers (``[database] pool_max``)."""
    handle = open_database(config)
    await ensure_schema(handle, False)
    store = await open_store(config, handle)
    try:
        yield store
    finally:
        await store.close()


def _print_outcomes(outcomes: list[Outcome]) -> None:
    if not outcomes:
        console.print("nothing was due")
        return
    table = Table("id", "recipient", "result", "host", "tls", "reply")
    for o in outcomes:
        table.add_row(
            str(o.queue_id),
            o.recipient,
            o.kind.value,
            o.remote_host or "",
            o.tls or "",
            str(o.reply),
        )
    console.print(table)


def _status(status: str, leased_by: str | None) -> str:
    return f"{status} (sending)" if leased_by and status in PENDING else status


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else ""


# -- dkim ----------------------------------------------------------------------------------------
async def dkim_keygen(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    selector = args.selector or f"{args.algorithm}-{datetime.now(UTC):%Y%m}"
    try:
        key = signing.keygen(config, args.domain, selector, args.algorithm)
    except OSError as exc:
        raise InvalidArgument(f"cannot write the key: {exc}") from None
    console.print(f"key written to {key.path} ({key.algorithm}); publish this TXT record:")
    console.print(
        f"{key.record_name}. IN TXT {_txt(key.record)}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return 0


async def dkim_list(args: argparse.Namespace) -> int:
    keys = signing.Signer.from_config(config_from_args(args)).keys
    if not keys:
        console.print("no DKIM keys: outgoing mail is not signed (see `mailstore dkim keygen`)")
        return 0
    table = Table("domain", "selector", "algorithm", "file", "TXT record")
    for key in keys:
        table.add_row(key.domain, key.selector, key.algorithm, str(key.path), key.record)
    console.print(table)
    return 0


def _txt(record: str) -> str:
    """Zone-file form: character-strings of at most 255 octets (RFC 1035 §3.3.14)."""
    return " ".join(f'"{record[i : i + 255]}"' for i in range(0, len(record), 255))
