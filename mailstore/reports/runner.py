"""Run a report: one SELECT over its ``report`` view, filtered, summed, sorted and limited.

Only the view is read, through the same interface a SQL user has; the filters are bound
parameters, never text pasted into the query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from mailstore.errors import InvalidArgument, NotFound
from mailstore.reports.catalogue import DAY, REPORTS, Report
from mailstore.store.db import Database


@dataclass(frozen=True, slots=True)
class Filters:
    domain: str | None = None
    #: First UTC day included.
    since: date | None = None
    #: Last UTC day included.
    until: date | None = None
    #: At most this many rows; None: the report's default (or all).
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class ReportResult:
    name: str
    columns: list[str]
    rows: list[tuple[Any, ...]]


def find(name: str) -> Report:
    try:
        return REPORTS[name]
    except KeyError:
        raise NotFound(f"no report {name!r} (see `mailstore report --list`)") from None


def build_query(report: Report, filters: Filters) -> tuple[str, list[Any]]:
    """The SQL and its arguments; raises :class:`InvalidArgument` for a filter it cannot take."""
    where: list[str] = []
    args: list[Any] = []

    def bind(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if filters.since is not None or filters.until is not None:
        if report.time is None:
            raise InvalidArgument(f"report {report.name} has no time column: no --since/--until")
        column, kind = report.time
        if filters.since is not None:
            low = bind(filters.since)
            bound = (
                f"{low}::date" if kind == DAY else f"({low}::date::timestamp AT TIME ZONE 'UTC')"
            )
            where.append(f"{column} >= {bound}")
        if filters.until is not None:
            high = bind(filters.until)
            bound = (
                f"{high}::date"
                if kind == DAY
                else f"(({high}::date + 1)::timestamp AT TIME ZONE 'UTC')"
            )
            where.append(f"{column} {'<=' if kind == DAY else '<'} {bound}")
    if filters.domain is not None:
        if report.domain is None:
            raise InvalidArgument(f"report {report.name} has no domain column: no --domain")
        where.append(f"{report.domain} = {bind(filters.domain.lower())}")
    limit = filters.limit if filters.limit is not None else report.default_limit
    if limit is not None and limit < 1:
        raise InvalidArgument("--limit must be at least 1")
    sql = f"SELECT {report.select} FROM {report.view.qualified}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    if report.group_by:
        sql += f" GROUP BY {report.group_by}"
    sql += f" ORDER BY {report.order_by}"
    if limit is not None:
        sql += f" LIMIT {bind(limit)}"
    return sql, args


async def run_report(db: Database, name: str, filters: Filters) -> ReportResult:
    """Rows of report ``name`` with their column names (known even when there is no row)."""
    report = find(name)
    if filters.since and filters.until and filters.since > filters.until:
        raise InvalidArgument("--since is after --until")
    sql, args = build_query(report, filters)
    async with db.connection() as conn:
        statement = await conn.prepare(sql)
        rows = await statement.fetch(*args)
        columns = [a.name for a in statement.get_attributes()]
    return ReportResult(report.name, columns, [tuple(r.values()) for r in rows])
