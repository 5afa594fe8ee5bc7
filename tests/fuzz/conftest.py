"""Fixtures for the front-end properties: SMTP, IMAP and POP3 listeners on loopback over the
test database (the same construction as tests/smtp, tests/imap and tests/pop3 use)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from servers.imap.service import create as create_imap
from servers.imap.settings import ImapSettings
from servers.pop3.service import create as create_pop3
from servers.pop3.settings import Pop3Settings
from servers.smtp.checks import NoChecks
from servers.smtp.service import SMTPService
from servers.smtp.settings import SMTPSettings
from tests.frontends import front_end
from tests.imap.helpers import Server as ImapServer
from tests.pop3.helpers import Server as Pop3Server
from tests.smtp.helpers import Ports


@pytest.fixture
async def smtp_ports(server_context, account) -> AsyncIterator[Ports]:
    """SMTP/submission/submissions/LMTP listeners on 127.0.0.1, no DNS checks."""
    settings = dataclasses.replace(
        SMTPSettings.from_config(server_context.config), hostname="mx.example.org"
    )
    service = SMTPService(server_context, checks=NoChecks(), settings=settings)
    await service.start()
    try:
        yield Ports(**service.ports)
    finally:
        await service.stop()


@pytest.fixture
async def imap(server_context, account) -> AsyncIterator[ImapServer]:
    async with front_end(
        server_context, account, create_imap, ImapSettings, ImapServer, ("imap", "imaps")
    ) as start:
        yield await start()


@pytest.fixture
async def pop3(server_context, account) -> AsyncIterator[Pop3Server]:
    async with front_end(
        server_context, account, create_pop3, Pop3Settings, Pop3Server, ("pop3", "pop3s")
    ) as start:
        yield await start()
