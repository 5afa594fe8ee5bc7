"""SMTP test fixtures: the SMTP service started on loopback port 0 against the test store."""

from __future__ import annotations

import dataclasses

import pytest

from servers.smtp.checks import NoChecks
from servers.smtp.service import SMTPService
from servers.smtp.settings import SMTPSettings
from tests.smtp.helpers import Ports


def _settings(server_context, **overrides) -> SMTPSettings:
    base = SMTPSettings.from_config(server_context.config)
    return dataclasses.replace(base, hostname="mx.example.org", **overrides)


@pytest.fixture
def smtp_settings(request) -> dict:
    """Override SMTPSettings fields for one test: ``@pytest.mark.parametrize`` or indirect."""
    return getattr(request, "param", {})


@pytest.fixture
async def smtp_service(server_context, account, smtp_settings):
    """SMTP/submission/submissions/LMTP listeners on 127.0.0.1, no DNS checks."""
    service = SMTPService(
        server_context, checks=NoChecks(), settings=_settings(server_context, **smtp_settings)
    )
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


@pytest.fixture
def ports(smtp_service) -> Ports:
    return Ports(**smtp_service.ports)
