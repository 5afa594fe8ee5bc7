"""The reporting role reads every report view and is refused every internal table."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from mailstore.errors import InvalidArgument
from mailstore.reports.catalogue import VIEWS
from mailstore.reports.role import grant_reporting
from mailstore.store import Target, prepare
from mailstore.store.maillog import Reception
from tests.reports.helpers import plain

INTERNAL = [
    "accounts",
    "bodies",
    "body_terms",
    "messages",
    "mailboxes",
    "queue_messages",
    "queue_recipients",
    "received_log",
    "delivery_log",
]


@pytest.fixture
async def role(store):
    """A role name unique to the test; dropped afterwards (roles are cluster-wide)."""
    name = f"reporter_{uuid.uuid4().hex[:8]}"
    yield name
    async with store.db.connection() as conn:
        if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name):
            await conn.execute(f'DROP OWNED BY "{name}"')
            await conn.execute(f'DROP ROLE "{name}"')


async def test_role_reads_views_only(store, account, role):
    await store.ingest.deliver(
        await prepare(plain("r")), [Target(account.id)], Reception("lmtp", "a@x.test")
    )
    granted = await grant_reporting(store.db, role)
    assert (granted.created, granted.login, granted.also_readable) == (True, False, ())
    again = await grant_reporting(store.db, role)  # idempotent
    assert (again.created, again.also_readable) == (False, ())

    async with store.db.connection() as conn:
        await conn.execute(f'SET ROLE "{role}"')
        try:
            counts = {
                v.name: await conn.fetchval(f"SELECT count(*) FROM {v.qualified}") for v in VIEWS
            }
            assert counts["top_senders"] == 1 and counts["quota"] == 1
            assert counts["largest_messages"] == 1
            for table in INTERNAL:
                with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
                    await conn.fetchval(f"SELECT count(*) FROM public.{table}")
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
                await conn.execute("CREATE VIEW report.mine AS SELECT 1")
        finally:
            await conn.execute("RESET ROLE")


async def test_login_role_and_refusals(store, role):
    granted = await grant_reporting(store.db, role, login=True, password="pw'; --")
    assert (granted.created, granted.login) == (True, True)
    with pytest.raises(InvalidArgument, match="needs a password"):
        await grant_reporting(store.db, role, login=True)
    owner = await store.db.fetchval("SELECT current_user")
    with pytest.raises(InvalidArgument, match="superuser or the schema owner"):
        await grant_reporting(store.db, owner)


async def test_a_role_with_other_grants_is_reported(store, role):
    await grant_reporting(store.db, role)
    await store.db.execute(f'GRANT SELECT ON accounts TO "{role}"')
    granted = await grant_reporting(store.db, role)
    assert granted.also_readable == ("accounts",)
