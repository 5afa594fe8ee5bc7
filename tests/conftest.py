"""Shared fixtures: a real PostgreSQL (see tests/pg.py) and an engine ``Store`` per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from mailstore.store import Passwords, Store
from tests.pg import TestCluster


@pytest.fixture(scope="session")
def cluster() -> Iterator[TestCluster]:
    c = TestCluster()
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def database_url(cluster: TestCluster) -> Iterator[str]:
    with cluster.database() as url:
        yield url


#: Cheap argon2 parameters: tests hash many passwords; production uses the configured cost.
FAST_PASSWORDS = Passwords(time_cost=1, memory_cost_kib=1024)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    s = await Store.open(database_url, min_size=1, max_size=8, passwords=FAST_PASSWORDS)
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
async def account(store: Store):  # type: ignore[no-untyped-def]
    """example.org with bob@example.org (password 'secret')."""
    await store.directory.add_domain("example.org")
    return await store.directory.add_account("bob@example.org", "secret")
