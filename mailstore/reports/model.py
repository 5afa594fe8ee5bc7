"""How a report view is described: its SQL, and a comment for it and for each column.

The description is data so that one source feeds the migration that creates the view
(``CREATE VIEW`` and ``COMMENT ON``), the generated ``docs/schema.md`` and ``mailstore report
--list``; a test compares it with what a migrated database holds.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The schema holding the views: the only thing the reporting role may read.
SCHEMA = "report"


@dataclass(frozen=True, slots=True)
class ViewColumn:
    name: str
    comment: str


@dataclass(frozen=True, slots=True)
class View:
    """One view of the ``report`` schema."""

    name: str
    #: One line: what a row is (``mailstore report --list`` shows it).
    comment: str
    #: The SELECT, reading the internal tables of ``public``.
    sql: str
    columns: tuple[ViewColumn, ...]

    @property
    def qualified(self) -> str:
        return f"{SCHEMA}.{self.name}"

    def create_statements(self) -> list[str]:
        """``CREATE VIEW`` with its comments (PostgreSQL keeps them in pg_description)."""
        statements = [
            f"CREATE VIEW {self.qualified} ({', '.join(c.name for c in self.columns)}) AS "
            f"{self.sql.strip()}",
            f"COMMENT ON VIEW {self.qualified} IS {_literal(self.comment)}",
        ]
        statements += [
            f"COMMENT ON COLUMN {self.qualified}.{c.name} IS {_literal(c.comment)}"
            for c in self.columns
        ]
        return statements


def columns(*pairs: tuple[str, str]) -> tuple[ViewColumn, ...]:
    return tuple(ViewColumn(name, comment) for name, comment in pairs)


def _literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings: only quotes are doubled)."""
    return "'" + text.replace("'", "''") + "'"
