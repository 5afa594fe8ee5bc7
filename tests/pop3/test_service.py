"""The listeners as the runner starts and stops them."""

from __future__ import annotations

import asyncio
import importlib
import re

import pytest

from servers.pop3.service import create
from servers.runner import FRONT_ENDS
from tests.pop3.helpers import LOGIN, PASSWORD


def test_runner_finds_pop3() -> None:
    # the runner imports f"{package}.service" and calls its create(context)
    package = "servers.pop3"
    assert package in FRONT_ENDS
    assert importlib.import_module(f"{package}.service").create is create


async def test_start_lines_and_stop(server_context) -> None:
    services = create(server_context)
    lines = [line for service in services for line in await service.start()]
    try:
        assert re.fullmatch(r"pop3 listening on 127\.0\.0\.1:\d+ \(STLS\)", lines[0])
        assert re.fullmatch(r"pop3s listening on 127\.0\.0\.1:\d+ \(implicit TLS\)", lines[1])
    finally:
        for service in services:
            await service.stop()
    assert all(service.addresses == [] for service in services)


async def test_stop_closes_sessions_and_releases_locks(pop3) -> None:
    t = await asyncio.to_thread(pop3.transcript)
    await asyncio.to_thread(t.login)
    shared = pop3.services[0].shared
    assert shared.locks.held(pop3.account.id)
    for service in pop3.services:
        await service.stop()
    assert await asyncio.to_thread(t.closed)
    t.close()
    assert not shared.locks.held(pop3.account.id)


async def test_disabled_listener(server_context) -> None:
    import dataclasses

    listeners = dataclasses.replace(server_context.config.listeners, pop3s="")
    config = dataclasses.replace(server_context.config, listeners=listeners)
    services = create(dataclasses.replace(server_context, config=config))
    assert [s.name for s in services] == ["pop3"]


async def test_sessions_on_both_listeners_share_the_lock(pop3, client_tls) -> None:
    import poplib

    def scenario() -> None:
        plain = pop3.login()
        secure = poplib.POP3_SSL("127.0.0.1", pop3.tls_port, context=client_tls, timeout=10)
        secure.user(LOGIN)
        try:
            secure.pass_(PASSWORD)
        except poplib.error_proto as exc:
            assert exc.args[0].startswith(b"-ERR [IN-USE]")
        else:
            raise AssertionError("second session got the maildrop")
        plain.quit()
        secure.quit()

    await asyncio.to_thread(scenario)


def test_pop3_settings_come_from_config(tmp_path) -> None:
    from mailstore.config import ConfigError, load_config
    from servers.pop3.settings import Pop3Settings

    (tmp_path / "mailstore.toml").write_text(
        "[pop3]\nretr_marks_seen = false\nidle_timeout = 900\nmax_bad_commands = 3\n"
    )
    settings = Pop3Settings.from_config(load_config(home=tmp_path, environ={}))
    assert (settings.retr_marks_seen, settings.idle_timeout, settings.max_bad_commands) == (
        False,
        900.0,
        3,
    )
    (tmp_path / "mailstore.toml").write_text("[pop3]\nidle_timeout = 60\n")
    with pytest.raises(ConfigError, match=r"pop3\.idle_timeout"):
        load_config(home=tmp_path, environ={})
