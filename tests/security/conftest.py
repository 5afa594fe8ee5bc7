"""Hostile-input suite fixtures: the real SMTP, IMAP and POP3 front ends on loopback.

The fixtures of ``tests/smtp``, ``tests/imap`` and ``tests/pop3`` are reused as they are
(imported here, so pytest registers them for this folder too). Every test in the folder also
asserts that no front end logged an error: a hostile input must get a protocol answer, never
an unexpected exception.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.imap.conftest import imap, start_imap
from tests.pop3.conftest import pop3, start_pop3
from tests.smtp.conftest import ports, smtp_service, smtp_settings

__all__ = ["imap", "pop3", "ports", "smtp_service", "smtp_settings", "start_imap", "start_pop3"]


@pytest.fixture(autouse=True)
def no_internal_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test: no front end and no engine module logged an error (a traceback)."""
    caplog.set_level(logging.INFO)
    yield
    errors = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.split(".")[0] in ("servers", "mailstore")
    ]
    assert not errors, errors
