"""``mailstore import mbox|maildir|tree`` and ``mailstore export mbox|maildir``.

Progress (messages, MB, msgs/s, ETA) goes to stderr; the summary table to stdout. A source
that cannot be read on stops the command with one line naming the file and byte offset (exit
1); what was imported before it is committed, and running the same command again resumes.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from mailstore.cli.common import config_from_args, console, err_console, opened_store
from mailstore.errors import AlreadyExists, InvalidArgument, NotFound
from mailstore.store import MailboxInfo, Store
from mailstore.transfer import (
    Exporter,
    ExportResult,
    Importer,
    ImportOptions,
    MailboxResult,
    MaildirReader,
    MboxFormat,
    Source,
    find_accounts,
    find_folders,
    find_mboxes,
)
from mailstore.transfer.exporter import mbox_file
from mailstore.transfer.names import join_levels

MB = 1_000_000


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    imp = sub.add_parser("import", help="import mail from mbox files or Maildir trees")
    isub = imp.add_subparsers(dest="source", required=True)

    p = isub.add_parser("mbox", help="an mbox file, or a folder of mbox files")
    p.add_argument("path", type=Path)
    p.add_argument("--to", required=True, metavar="USER", help="account to import into")
    p.add_argument(
        "--mailbox",
        default="",
        help="target mailbox of a file (default INBOX); for a folder, a parent for all",
    )
    p.add_argument(
        "--format",
        choices=["auto", *(f.value for f in MboxFormat)],
        default="auto",
        help="mbox variant (default: detect; mboxo and mboxrd look alike, mboxrd is assumed)",
    )
    _common_import_args(p)
    p.set_defaults(func=import_mbox)

    p = isub.add_parser("maildir", help="a Maildir or Maildir++ tree (with its folders)")
    p.add_argument("path", type=Path)
    p.add_argument("--to", required=True, metavar="USER", help="account to import into")
    p.add_argument("--mailbox", default="", help="a parent mailbox for all folders")
    _maildir_args(p)
    _common_import_args(p)
    p.set_defaults(func=import_maildir)

    p = isub.add_parser("tree", help="a hosting tree: PATH/<user>/Maildir or PATH/DOMAIN/<user>")
    p.add_argument("path", type=Path)
    p.add_argument("--domain", required=True, help="the users' domain")
    p.add_argument(
        "--create-users",
        action="store_true",
        help="create missing accounts (and the domain), with login disabled until "
        "`mailstore user passwd`",
    )
    _maildir_args(p)
    _common_import_args(p)
    p.set_defaults(func=import_tree)

    exp = sub.add_parser("export", help="export mailboxes as mbox files or a Maildir++ tree")
    esub = exp.add_subparsers(dest="target", required=True)
    for kind, what in (
        ("mbox", "mboxrd files: DEST is a folder (one NAME.mbox per mailbox) or, with "
         "--mailbox, the file"),
        ("maildir", "a Maildir++ tree at DEST (with dovecot-keywords and dovecot-uidlist)"),
    ):  # fmt: skip
        p = esub.add_parser(kind, help=what)
        p.add_argument("dest", type=Path, metavar="DEST")
        p.add_argument("--from", dest="user", required=True, metavar="USER", help="account")
        p.add_argument("--mailbox", default="", help="only this mailbox (default: all)")
        p.set_defaults(func=export_mbox if kind == "mbox" else export_maildir)


def _common_import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dry-run", action="store_true", help="report what would be imported")
    p.add_argument("--batch", type=int, default=250, help="messages per transaction")
    p.add_argument(
        "--workers", type=int, default=None, help="parser processes (default: cores - 1)"
    )


def _maildir_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--date",
        choices=["mtime", "filename"],
        default="mtime",
        help="internal date from the file's mtime (default) or its name's leading timestamp",
    )


def _options(args: argparse.Namespace) -> ImportOptions:
    if not 1 <= args.batch <= 10_000:
        raise InvalidArgument("--batch must be between 1 and 10000")
    return ImportOptions(
        dry_run=args.dry_run, batch_messages=args.batch, parse_workers=args.workers
    )


# -- progress ---------------------------------------------------------------------------------


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        messages = int(task.fields.get("messages", 0))
        rate = messages / elapsed if elapsed > 0.5 else 0.0
        return Text(f"{messages:,} msgs  {rate:,.0f} msgs/s", style="progress.data.speed")


class _Bar:
    """The rich progress bar as an importer/exporter :class:`~mailstore.transfer.Progress`."""

    def __init__(self, description: str):
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(binary_units=False),
            _RateColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=False,
        )
        self.task = self.progress.add_task(description, total=0, messages=0)
        self.messages = 0

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def add_total(self, nbytes: int) -> None:
        total = self.progress.tasks[0].total or 0
        self.progress.update(self.task, total=total + nbytes)

    def advance(self, messages: int, nbytes: int) -> None:
        self.messages += messages
        self.progress.update(self.task, advance=nbytes, messages=self.messages)


# -- import -----------------------------------------------------------------------------------


async def _run_sources(
    store: Store,
    plan: Sequence[tuple[str, int, Sequence[Source]]],
    options: ImportOptions,
) -> list[tuple[str, MailboxResult]]:
    """Import each account's sources in order; returns (account, result) rows."""
    rows: list[tuple[str, MailboxResult]] = []
    with _Bar("dry run" if options.dry_run else "importing") as bar:
        for _, _, sources in plan:
            for source in sources:
                bar.add_total(source.size)
        async with Importer(store, options, bar) as importer:
            for address, account_id, sources in plan:
                for source in sources:
                    rows.append((address, await importer.run(account_id, source)))
    return rows


def _summary(
    rows: list[tuple[str, MailboxResult]], dry_run: bool, seconds: float, notes: list[str]
) -> None:
    accounts = {a for a, _ in rows}
    table = Table(title="dry run: nothing was imported" if dry_run else "import summary")
    # names are never cut short, even in a narrow terminal or a log file
    if len(accounts) > 1:
        table.add_column("account", no_wrap=True, min_width=max(len(a) for a in accounts))
    longest = max((len(r.mailbox) + 6 for _, r in rows), default=7)
    table.add_column("mailbox", no_wrap=True, min_width=min(longest, 60))
    table.add_column("format")
    table.add_column("found", justify="right")
    table.add_column("would import" if dry_run else "imported", justify="right")
    for name in ("already there", "malformed", "UIDs kept", "MB"):
        table.add_column(name, justify="right")
    total = MailboxResult("total", "")
    for address, r in rows:
        cells = [address] if len(accounts) > 1 else []
        box = r.mailbox + (" (new)" if r.created else "")
        cells += [box, r.format, f"{r.found:,}", f"{r.imported:,}", f"{r.present:,}"]
        cells += [f"{r.malformed:,}", f"{r.uids_kept:,}", f"{r.bytes_imported / MB:,.1f}"]
        table.add_row(*cells)
        for attr in ("found", "imported", "present", "malformed", "uids_kept", "bytes_imported"):
            setattr(total, attr, getattr(total, attr) + getattr(r, attr))
        total.dropped_keywords += r.dropped_keywords
    if len(rows) > 1:
        cells = [""] if len(accounts) > 1 else []
        cells += [
            "[bold]total",
            "",
            f"{total.found:,}",
            f"{total.imported:,}",
            f"{total.present:,}",
        ]
        cells += [
            f"{total.malformed:,}",
            f"{total.uids_kept:,}",
            f"{total.bytes_imported / MB:,.1f}",
        ]
        table.add_row(*cells)
    console.print(table)
    rate = total.imported / seconds if seconds > 0 else 0.0
    console.print(
        f"{total.imported:,} messages, {total.bytes_imported / MB:,.1f} MB "
        f"{'would be imported' if dry_run else 'imported'} in {seconds:.1f} s "
        f"({rate:,.0f} msgs/s, {total.bytes_imported / MB / max(seconds, 1e-9):,.1f} MB/s); "
        f"{total.present:,} already there, {total.malformed:,} malformed (imported as they are)",
        highlight=False,
    )
    if total.dropped_keywords:
        console.print(f"{total.dropped_keywords:,} keywords IMAP cannot express were left out")
    for _, r in rows:
        for example in r.malformed_examples:
            console.print(f"malformed: {example}", markup=False, highlight=False)
        notes = [*notes, *r.notes]
    for note in dict.fromkeys(notes):
        console.print(f"note: {note}", markup=False, highlight=False)


async def _account_id(store: Store, address: str) -> tuple[str, int]:
    account = await store.directory.get_account(address)
    return account.address, account.id


def _maildir_sources(root: Path, prefix: str, date_from: str) -> list[Source]:
    sources: list[Source] = []
    for folder in find_folders(root):
        reader = MaildirReader(folder, date_from)
        if prefix:
            name = prefix if folder.mailbox == "INBOX" else f"{prefix}/{folder.mailbox}"
            reader.mailbox = join_levels(name.split("/"))
        sources.append(reader)
    return sources


async def import_mbox(args: argparse.Namespace) -> int:
    options = _options(args)
    fmt = None if args.format == "auto" else MboxFormat(args.format)
    readers, skipped = find_mboxes(args.path, args.mailbox.strip("/"), fmt)
    config = config_from_args(args)
    started = time.perf_counter()
    async with opened_store(config) as store:
        address, account_id = await _account_id(store, args.to)
        rows = await _run_sources(store, [(address, account_id, readers)], options)
    _summary(rows, options.dry_run, time.perf_counter() - started, skipped)
    return 0


async def import_maildir(args: argparse.Namespace) -> int:
    options = _options(args)
    sources = _maildir_sources(args.path, args.mailbox.strip("/"), args.date)
    config = config_from_args(args)
    started = time.perf_counter()
    async with opened_store(config) as store:
        address, account_id = await _account_id(store, args.to)
        rows = await _run_sources(store, [(address, account_id, sources)], options)
    _summary(rows, options.dry_run, time.perf_counter() - started, [])
    return 0


async def import_tree(args: argparse.Namespace) -> int:
    options = _options(args)
    accounts, skipped = find_accounts(args.path, args.domain)
    if not accounts:
        raise NotFound(f"no user Maildir found under {args.path}")
    config = config_from_args(args)
    started = time.perf_counter()
    async with opened_store(config) as store:
        plan: list[tuple[str, int, Sequence[Source]]] = []
        missing: list[str] = []
        domain = accounts[0].address.split("@")[1]
        if args.create_users and not options.dry_run:
            try:
                await store.directory.add_domain(domain)
            except AlreadyExists:
                pass
        for item in accounts:
            try:
                _, account_id = await _account_id(store, item.address)
            except NotFound:
                if not args.create_users:
                    missing.append(item.address)
                    continue
                account_id = 0  # a dry run: the account would be created
                if not options.dry_run:
                    quota = config.limits.default_quota or None
                    account = await store.directory.add_account(item.address, None, quota)
                    account_id = account.id
                    skipped.append(f"created account {item.address} (no password yet)")
            plan.append((item.address, account_id, _maildir_sources(item.maildir, "", args.date)))
        if missing:
            shown = ", ".join(missing[:5]) + (
                f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            )
            raise NotFound(f"no account {shown}: create them first, or use --create-users")
        rows = await _run_sources(store, plan, options)
    _summary(rows, options.dry_run, time.perf_counter() - started, skipped)
    return 0


# -- export -----------------------------------------------------------------------------------


async def _export_boxes(store: Store, account_id: int, name: str) -> list[MailboxInfo]:
    if name:
        return [await store.mailboxes.get(account_id, name)]
    return await store.mailboxes.list(account_id)


def _check_dest(dest: Path, file: bool) -> None:
    if file and dest.exists():
        raise AlreadyExists(f"{dest} exists: choose a new file")
    if not file and dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise AlreadyExists(f"{dest} exists and is not an empty folder: choose a new one")


def _export_summary(results: list[ExportResult], seconds: float) -> None:
    table = Table(title="export summary")
    for name in ("mailbox", "path", "messages", "MB"):
        table.add_column(name, justify="right" if name in ("messages", "MB") else "left")
    for r in results:
        table.add_row(r.mailbox, r.path, f"{r.messages:,}", f"{r.bytes / MB:,.1f}")
    console.print(table)
    messages = sum(r.messages for r in results)
    size = sum(r.bytes for r in results) / MB
    console.print(
        f"{messages:,} messages, {size:,.1f} MB exported in {seconds:.1f} s "
        f"({messages / max(seconds, 1e-9):,.0f} msgs/s, {size / max(seconds, 1e-9):,.1f} MB/s)",
        highlight=False,
    )
    added = sum(r.newlines_added for r in results)
    if added:
        console.print(f"note: {added} messages did not end with a line break; mbox added one")
    lost = sum(r.keywords_lost for r in results)
    if lost:
        console.print(f"note: {lost} keywords beyond Dovecot's 26 per folder were left out")


async def export_mbox(args: argparse.Namespace) -> int:
    _check_dest(args.dest, file=bool(args.mailbox))
    return await _export(args, "mbox")


async def export_maildir(args: argparse.Namespace) -> int:
    _check_dest(args.dest, file=False)
    return await _export(args, "maildir")


async def _export(args: argparse.Namespace, kind: str) -> int:
    config = config_from_args(args)
    started = time.perf_counter()
    results: list[ExportResult] = []
    async with opened_store(config) as store:
        _, account_id = await _account_id(store, args.user)
        boxes = await _export_boxes(store, account_id, args.mailbox)
        with _Bar("exporting") as bar:
            bar.add_total(sum(b.size for b in boxes))
            exporter = Exporter(store, bar)
            for box in boxes:
                if kind == "maildir":
                    results.append(await exporter.maildir(account_id, box, args.dest))
                else:
                    path = args.dest if args.mailbox else mbox_file(args.dest, box.name)
                    results.append(await exporter.mbox(account_id, box, path))
    _export_summary(results, time.perf_counter() - started)
    return 0
