"""Schema and migrations agree; there is one head; downgrade and upgrade round-trip."""

import asyncio

import asyncpg
from alembic import command
from alembic.script import ScriptDirectory

from mailstore.migrate import alembic_config, current_revision, head_revision, upgrade
from tests.pg import with_database


def test_single_head():
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1
    assert head_revision() == heads[0]


def test_empty_database_upgrade_check_downgrade(cluster):
    name = cluster._make()
    url = with_database(cluster.admin_url, name)

    async def wipe() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        finally:
            await conn.close()

    try:
        asyncio.run(wipe())
        assert asyncio.run(current_revision(url)) is None
        upgrade(url)
        assert asyncio.run(current_revision(url)) == head_revision()
        command.check(alembic_config(url))  # raises when models and migrations differ
        command.downgrade(alembic_config(url), "base")
        upgrade(url)
        command.check(alembic_config(url))
    finally:
        cluster.drop(name)


def test_every_column_and_table_has_a_comment(database_url):
    async def missing() -> list[str]:
        conn = await asyncpg.connect(database_url)
        try:
            rows = await conn.fetch(
                "SELECT c.table_name || '.' || c.column_name AS name FROM information_schema.columns c "
                "WHERE c.table_schema = 'public' AND c.table_name <> 'alembic_version' "
                "AND col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, "
                "c.ordinal_position) IS NULL "
                "UNION ALL SELECT t.tablename FROM pg_tables t WHERE t.schemaname = 'public' "
                "AND t.tablename <> 'alembic_version' "
                "AND obj_description(format('%I.%I', t.schemaname, t.tablename)::regclass) IS NULL"
            )
            return [r["name"] for r in rows]
        finally:
            await conn.close()

    assert asyncio.run(missing()) == []
