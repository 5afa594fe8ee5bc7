"""The schema is documented: comments everywhere in the database, docs/schema.md current, and
the report views are what the catalogue says and expose no body or password hash."""

from __future__ import annotations

from pathlib import Path

from mailstore.reports.catalogue import VIEWS
from mailstore.schemadoc import render_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"


def test_schema_doc_is_current():
    """Regenerate with `python -m mailstore.schemadoc > docs/schema.md`."""
    assert DOC.read_text(encoding="utf-8") == render_markdown()


def test_schema_doc_lists_everything():
    doc = render_markdown()
    for view in VIEWS:
        assert f"### {view.qualified}" in doc
    assert "received_log ||--o{" not in doc  # the logs have no foreign keys on purpose
    assert 'accounts ||--o{ mailboxes : "account_id"' in doc
    assert 'accounts |o--o{ queue_messages : "account_id"' in doc


async def test_every_table_view_and_column_has_a_comment(store):
    rows = await store.db.fetch(
        "SELECT n.nspname || '.' || c.relname AS name FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname IN ('public', 'report') AND c.relkind IN ('r', 'v') "
        "AND c.relname <> 'alembic_version' AND obj_description(c.oid, 'pg_class') IS NULL "
        "UNION ALL "
        "SELECT n.nspname || '.' || c.relname || '.' || a.attname FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname IN ('public', 'report') AND c.relkind IN ('r', 'v') "
        "AND c.relname <> 'alembic_version' AND a.attnum > 0 AND NOT a.attisdropped "
        "AND col_description(c.oid, a.attnum) IS NULL"
    )
    assert [r["name"] for r in rows] == []
    views = await store.db.fetchval("SELECT count(*) FROM pg_views WHERE schemaname = 'report'")
    assert views == len(VIEWS) == 10


async def test_views_match_the_catalogue(store):
    for view in VIEWS:
        rows = await store.db.fetch(
            "SELECT a.attname, col_description(a.attrelid, a.attnum) AS comment "
            "FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 "
            "ORDER BY a.attnum",
            view.qualified,
        )
        assert [(r["attname"], r["comment"]) for r in rows] == [
            (c.name, c.comment) for c in view.columns
        ]
        comment = await store.db.fetchval(
            "SELECT obj_description($1::regclass, 'pg_class')", view.qualified
        )
        assert comment == view.comment


async def test_views_read_no_body_text_or_password(store):
    """What the views read (information_schema.view_column_usage), not only what they show."""
    used = await store.db.fetch(
        "SELECT DISTINCT table_name || '.' || column_name AS c "
        "FROM information_schema.view_column_usage WHERE view_schema = 'report'"
    )
    columns = {r["c"] for r in used}
    assert "bodies.subject" in columns  # the query sees what it should
    forbidden = {
        "accounts.password_hash",
        "bodies.raw",
        "bodies.body_text",
        "bodies.header_text",
        "bodies.headers",
        "bodies.envelope_wire",
        "bodies.structure_wire",
        "bodies.body_wire",
        "body_terms.terms",
    }
    assert columns & forbidden == set()
