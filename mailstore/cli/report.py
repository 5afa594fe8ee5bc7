"""``mailstore report NAME|--list|prune``: the ``report`` views as tables, CSV or JSON.

``mailstore report top_senders --since 2026-01-01 --format csv`` runs one view (summed over
the period where it is per day); ``--list`` names them; ``prune --before DATE`` deletes mail
log rows older than that day. Output formats are for machines as much as people: CSV by the
csv module (RFC 4180 quoting), JSON as one array of objects with ISO dates.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rich.table import Table
from rich.text import Text

from mailstore.cli.common import config_from_args, console, opened_store
from mailstore.errors import InvalidArgument
from mailstore.reports.catalogue import REPORTS
from mailstore.reports.prune import prune
from mailstore.reports.runner import Filters, ReportResult, run_report

FORMATS = ("table", "csv", "json")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "report",
        help="SQL reports over the report views (--list names them)",
        description="Run a report view, list them (--list), or prune the mail log "
        "(prune --before DATE). Dates are UTC days, YYYY-MM-DD; --until is inclusive.",
    )
    p.add_argument("name", nargs="?", help="report name, or 'prune'")
    p.add_argument("--list", action="store_true", help="list the reports")
    p.add_argument("--domain", help="only this domain")
    p.add_argument("--since", type=_date, metavar="DATE", help="first day included")
    p.add_argument("--until", type=_date, metavar="DATE", help="last day included")
    p.add_argument("--limit", type=int, metavar="N", help="at most N rows")
    p.add_argument("--format", choices=FORMATS, default="table", help="output (default table)")
    p.add_argument(
        "--before", type=_date, metavar="DATE", help="prune: delete log rows older than DATE"
    )
    p.set_defaults(func=report)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


async def report(args: argparse.Namespace) -> int:
    if args.list:
        print_list(args.format)
        return 0
    if not args.name:
        raise InvalidArgument("name a report (see `mailstore report --list`)")
    if args.name == "prune":
        if args.before is None:
            raise InvalidArgument("prune needs --before DATE")
        async with opened_store(config_from_args(args)) as store:
            pruned = await prune(store.db, args.before)
        console.print(
            f"pruned {pruned.received} received_log and {pruned.deliveries} delivery_log rows "
            f"before {args.before.isoformat()}"
        )
        return 0
    if args.before is not None:
        raise InvalidArgument("--before is for `mailstore report prune`")
    filters = Filters(args.domain, args.since, args.until, args.limit)
    async with opened_store(config_from_args(args)) as store:
        result = await run_report(store.db, args.name, filters)
    sys.stdout.write(render(result, args.format))
    return 0


def print_list(fmt: str) -> None:
    rows = [(r.name, r.description) for r in REPORTS.values()]
    sys.stdout.write(render(ReportResult("reports", ["name", "description"], rows), fmt))


def render(result: ReportResult, fmt: str) -> str:
    """The result as text in ``fmt`` (table, csv or json)."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([_text(v) for v in row] for row in result.rows)
        return out.getvalue()
    if fmt == "json":
        objects = [
            {c: _json(v) for c, v in zip(result.columns, row, strict=True)} for row in result.rows
        ]
        return json.dumps(objects, ensure_ascii=False, indent=2) + "\n"
    table = Table(*result.columns, title=result.name)
    for row in result.rows:
        table.add_row(*(Text(_text(v)) for v in row))  # Text: no markup from mail headers
    with console.capture() as capture:
        console.print(table)
    return capture.get()


def _json(value: Any) -> Any:
    """JSON-able: whole numbers as integers, other decimals as floats, dates as ISO text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
