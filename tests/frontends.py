"""Fixture plumbing shared by the IMAP and POP3 tests: start a front end's listeners over the
test database, stop them afterwards, and fail a test in which the server logged an error."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest

from servers.common.throttle import AuthThrottle

StartServer = Callable[..., Awaitable[Any]]


@asynccontextmanager
async def front_end(
    server_context: Any,
    account: Any,
    create: Callable[..., list[Any]],
    settings_class: Any,
    server_class: Callable[..., Any],
    names: tuple[str, str],
) -> AsyncIterator[StartServer]:
    """Yields ``start(*, throttle=None, context=None, **settings_overrides) -> server``:
    keyword arguments override settings fields, ``throttle`` replaces the (fast) test
    throttle, ``context`` the server context. ``names`` are the plain and TLS listeners."""
    started: list[Any] = []

    async def start(
        *, throttle: AuthThrottle | None = None, context: Any = None, **overrides: Any
    ) -> Any:
        ctx = context or server_context
        settings = dataclasses.replace(settings_class.from_config(ctx.config), **overrides)
        services = create(
            ctx, settings=settings, throttle=throttle or AuthThrottle(base_delay=0.01)
        )
        for service in services:
            await service.start()
            started.append(service)
        ports = {s.name: s.addresses[0][1] for s in services}
        plain, tls = names
        return server_class(ctx.store, account, ports.get(plain, 0), ports.get(tls, 0), services)

    try:
        yield start
    finally:
        for service in reversed(started):
            await service.stop()


@contextmanager
def no_logged_errors(caplog: pytest.LogCaptureFixture, logger: str) -> Iterator[None]:
    """The server logged no error (an unexpected exception is logged as one)."""
    caplog.set_level(logging.INFO, logger=logger)
    yield
    errors = [r for r in caplog.records if r.name.startswith(logger) and r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
