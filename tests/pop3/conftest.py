"""POP3 fixtures: the front end started over the test database with bob's account."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from servers.pop3.service import create
from servers.pop3.settings import Pop3Settings
from tests.frontends import StartServer, front_end, no_logged_errors
from tests.pop3.helpers import Server


@pytest.fixture
async def start_pop3(server_context, account) -> AsyncIterator[StartServer]:
    """Start the POP3 services; see :func:`tests.frontends.front_end`."""
    async with front_end(
        server_context, account, create, Pop3Settings, Server, ("pop3", "pop3s")
    ) as start:
        yield start


@pytest.fixture
async def pop3(start_pop3: StartServer) -> Server:
    return await start_pop3()


@pytest.fixture(autouse=True)
def no_internal_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test: the server logged no error."""
    with no_logged_errors(caplog, "servers.pop3"):
        yield
