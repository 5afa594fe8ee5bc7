"""POP3 fixtures: the front end started over the test database with bob's account."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest

from servers.common.throttle import AuthThrottle
from servers.pop3.service import Pop3Service, create
from servers.pop3.settings import Pop3Settings
from tests.pop3.helpers import Server

StartServer = Callable[..., Awaitable[Server]]


@pytest.fixture
async def start_pop3(server_context, account) -> AsyncIterator[StartServer]:
    """Start the POP3 services; keyword arguments override settings fields, ``throttle``
    replaces the (fast) test throttle, ``context`` the server context."""
    started: list[Pop3Service] = []

    async def start(*, throttle: AuthThrottle | None = None, context=None, **overrides) -> Server:
        ctx = context or server_context
        settings = dataclasses.replace(Pop3Settings.from_config(ctx.config), **overrides)
        services = create(
            ctx, settings=settings, throttle=throttle or AuthThrottle(base_delay=0.01)
        )
        for service in services:
            await service.start()
            started.append(service)
        ports = {s.name: s.addresses[0][1] for s in services}
        return Server(ctx.store, account, ports.get("pop3", 0), ports.get("pop3s", 0), services)

    try:
        yield start
    finally:
        for service in reversed(started):
            await service.stop()


@pytest.fixture
async def pop3(start_pop3: StartServer) -> Server:
    return await start_pop3()


@pytest.fixture(autouse=True)
def no_internal_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test: the server logged no error (an unexpected exception is logged as one)."""
    caplog.set_level(logging.INFO, logger="servers.pop3")
    yield
    errors = [
        r
        for r in caplog.records
        if r.name.startswith("servers.pop3") and r.levelno >= logging.ERROR
    ]
    assert not errors, [r.getMessage() for r in errors]
