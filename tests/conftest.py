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


@pytest.fixture(scope="session")
def tls_ca():
    """A trustme CA and a server certificate for localhost/127.0.0.1/::1."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1", "::1")
    return ca, cert


@pytest.fixture
def client_tls(tls_ca):
    """An ssl.SSLContext that trusts the test CA (for smtplib/imaplib/poplib clients)."""
    import ssl

    ca, _ = tls_ca
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return ctx


@pytest.fixture
async def server_context(store, tls_ca, tmp_path):
    """A servers.runner.Context: config with every listener on 127.0.0.1 port 0, real TLS."""
    import dataclasses
    import ssl

    from mailstore.config import ListenersConfig, load_config
    from servers.runner import Context

    _, cert = tls_ca
    config = load_config(home=tmp_path, environ={})
    port0 = "127.0.0.1:0"
    config = dataclasses.replace(
        config,
        listeners=ListenersConfig(**{f.name: port0 for f in dataclasses.fields(ListenersConfig)}),
    )
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    listener = await store.listener()
    try:
        yield Context(config, store, listener, ctx)
    finally:
        await listener.close()
