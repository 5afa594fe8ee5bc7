"""IMAP fixtures: the front end started over the test database with bob's account."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest

from servers.common.throttle import AuthThrottle
from servers.imap.service import ImapService, create
from servers.imap.settings import ImapSettings
from tests.imap.helpers import Server

StartServer = Callable[..., Awaitable[Server]]


@pytest.fixture
async def start_imap(server_context, account) -> AsyncIterator[StartServer]:
    """Start the IMAP services; keyword arguments override settings fields, ``throttle``
    replaces the (fast) test throttle, ``context`` the server context."""
    started: list[ImapService] = []

    async def start(*, throttle: AuthThrottle | None = None, context=None, **overrides) -> Server:
        ctx = context or server_context
        settings = dataclasses.replace(ImapSettings.from_config(ctx.config), **overrides)
        services = create(
            ctx, settings=settings, throttle=throttle or AuthThrottle(base_delay=0.01)
        )
        for service in services:
            await service.start()
            started.append(service)
        ports = {s.name: s.addresses[0][1] for s in services}
        return Server(ctx.store, account, ports.get("imap", 0), ports.get("imaps", 0), services)

    try:
        yield start
    finally:
        for service in reversed(started):
            await service.stop()


@pytest.fixture
async def imap(start_imap: StartServer) -> Server:
    return await start_imap()


@pytest.fixture(autouse=True)
def no_internal_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test: the server logged no error (an unexpected exception is logged as one)."""
    caplog.set_level(logging.INFO, logger="servers.imap")
    yield
    errors = [
        r
        for r in caplog.records
        if r.name.startswith("servers.imap") and r.levelno >= logging.ERROR
    ]
    assert not errors, [r.getMessage() for r in errors]
