"""IMAP fixtures: the front end started over the test database with bob's account."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from servers.imap.service import create
from servers.imap.settings import ImapSettings
from tests.frontends import StartServer, front_end, no_logged_errors
from tests.imap.helpers import Server


@pytest.fixture
async def start_imap(server_context, account) -> AsyncIterator[StartServer]:
    """Start the IMAP services; see :func:`tests.frontends.front_end`."""
    async with front_end(
        server_context, account, create, ImapSettings, Server, ("imap", "imaps")
    ) as start:
        yield start


@pytest.fixture
async def imap(start_imap: StartServer) -> Server:
    return await start_imap()


@pytest.fixture(autouse=True)
def no_internal_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test: the server logged no error."""
    with no_logged_errors(caplog, "servers.imap"):
        yield
