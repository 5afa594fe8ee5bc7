"""The reports ``mailstore report NAME`` runs: one per view, with how to filter and sort it.

Per-day views are summed over the chosen period (``--since``/``--until``), so ``top_senders``
over a month is one row per sender; views without a time column refuse a period.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailstore.reports import views_0004
from mailstore.reports.model import View

#: The views of the current schema (the latest ``views_NNNN`` module).
VIEWS: tuple[View, ...] = views_0004.VIEWS

#: A time column holding a UTC date, or a timestamp.
DAY, TIMESTAMP = "day", "timestamp"


@dataclass(frozen=True, slots=True)
class Report:
    view: View
    #: Column ``--domain`` compares with; None: the report has no domain.
    domain: str | None
    order_by: str
    #: (column, DAY | TIMESTAMP) that ``--since``/``--until`` filter; None: no period.
    time: tuple[str, str] | None = None
    #: Output columns with their aggregates, when rows are summed over the period.
    select: str = "*"
    group_by: str = ""
    default_limit: int | None = None

    @property
    def name(self) -> str:
        return self.view.name

    @property
    def description(self) -> str:
        return self.view.comment


_V = {v.name: v for v in VIEWS}

REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report(_V["domains"], "domain", "domain"),
        Report(_V["quota"], "domain", "used_percent DESC NULLS LAST, used_bytes DESC, account"),
        Report(_V["mailboxes"], "domain", "account, mailbox"),
        Report(_V["traffic"], "domain", "day, domain, direction", ("day", DAY)),
        Report(
            _V["top_senders"],
            "sender_domain",
            "messages DESC, bytes DESC, sender",
            ("day", DAY),
            "sender, sender_domain, sum(messages) AS messages, sum(recipients) AS recipients, "
            "sum(bytes) AS bytes",
            "sender, sender_domain",
            20,
        ),
        Report(
            _V["top_recipients"],
            "domain",
            "messages DESC, bytes DESC, recipient, direction",
            ("day", DAY),
            "recipient, domain, direction, sum(messages) AS messages, sum(bytes) AS bytes",
            "recipient, domain, direction",
            20,
        ),
        Report(
            _V["delivery_outcomes"],
            "domain",
            "domain, outcome",
            ("day", DAY),
            "domain, outcome, sum(recipients) AS recipients, "
            "round(sum(avg_attempt * recipients) / sum(recipients), 2) AS avg_attempt, "
            "max(max_attempt) AS max_attempt, "
            "sum(delay_seconds_total) AS delay_seconds_total, "
            "round(sum(delay_seconds_total) / sum(recipients), 3) AS delay_seconds_avg, "
            "max(delay_seconds_max) AS delay_seconds_max",
            "domain, outcome",
        ),
        Report(
            _V["authentication"],
            "domain",
            "method, domain, result",
            ("day", DAY),
            "method, domain, result, sum(messages) AS messages",
            "method, domain, result",
        ),
        Report(
            _V["largest_messages"],
            "domain",
            "size_bytes DESC, account, mailbox, uid",
            ("internal_date", TIMESTAMP),
            default_limit=20,
        ),
        Report(_V["attachment_types"], "domain", "bytes DESC, content_type, domain"),
    )
}

assert set(REPORTS) == set(_V), "every view has a report"
