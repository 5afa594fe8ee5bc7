"""Output formats of ``mailstore report``: exact CSV quoting, JSON types, tables without markup."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from mailstore.cli.report import render
from mailstore.reports.runner import ReportResult

RESULT = ReportResult(
    "demo",
    ["subject", "n", "pct", "day", "at", "none", "flag"],
    [
        ('a "quoted", [bold]x[/bold]', Decimal("3"), Decimal("12.5"), date(2026, 1, 2),
         datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), None, True),
    ],
)  # fmt: skip


def test_csv():
    assert render(RESULT, "csv") == (
        "subject,n,pct,day,at,none,flag\n"
        '"a ""quoted"", [bold]x[/bold]",3,12.5,2026-01-02,2026-01-02T03:04:05+00:00,,true\n'
    )


def test_json():
    assert json.loads(render(RESULT, "json")) == [
        {
            "subject": 'a "quoted", [bold]x[/bold]',
            "n": 3,
            "pct": 12.5,
            "day": "2026-01-02",
            "at": "2026-01-02T03:04:05+00:00",
            "none": None,
            "flag": True,
        }
    ]
    assert '"n": 3,' in render(RESULT, "json")  # an integer, not 3.0


def test_table_shows_header_text_literally():
    text = render(ReportResult("demo", ["subject"], [("[bold]x[/bold] [/oops]",)]), "table")
    assert "[bold]x[/bold] [/oops]" in text
