"""Outbound fixtures: the test DNS responder, loopback remote MXes, a configured runner."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from mailstore.config import Config, DNSConfig, QueueConfig, ServerConfig, load_config
from mailstore.outbound.worker import QueueRunner
from tests.mailauth.conftest import dns_server, resolver, shared_dns_server  # noqa: F401
from tests.outbound.helpers import Clock, Remotes

#: Short timeouts: every failure mode in these tests is on loopback.
FAST = {
    "connect_timeout": 2.0,
    "command_timeout": 2.0,
    "data_timeout": 2.0,
    "idle_timeout": 0.1,
    "poll_interval": 0.2,
}


@pytest.fixture
async def remotes() -> AsyncIterator[Remotes]:
    r = Remotes()
    try:
        yield r
    finally:
        await r.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_config(tmp_path, dns_server, remotes) -> Callable[..., Config]:  # noqa: F811
    """A Config for the workers: test DNS, remote port of ``remotes``; ``queue=`` overrides."""

    def make(queue: dict[str, Any] | None = None, **sections: Any) -> Config:
        base = load_config(home=tmp_path, environ={})
        values = {**FAST, "remote_port": remotes.port or 25, **(queue or {})}
        return dataclasses.replace(
            base,
            server=ServerConfig(hostname="mx.example.org"),
            dns=DNSConfig(nameservers=[dns_server.nameserver], timeout=2.0),
            queue=QueueConfig(**values),
            **sections,
        )

    return make


@pytest.fixture
def runner(store, make_config, resolver, clock) -> Callable[..., QueueRunner]:  # noqa: F811
    """``runner(queue={...}, srs=SRSConfig(...))``: a QueueRunner on the test clock."""

    def make(queue: dict[str, Any] | None = None, **sections: Any) -> QueueRunner:
        return QueueRunner(store, make_config(queue, **sections), resolver=resolver, clock=clock)

    return make


class Zone:
    """Test zone records: ``zone("remote.test", "127.0.0.2")`` gives the domain an MX host
    ``mx0.remote.test`` at that address; :meth:`mx` adds one host with its preference."""

    def __init__(self, dns_server):  # noqa: F811
        self.dns = dns_server

    def __call__(self, domain: str, *addresses: str, preference: int = 10) -> None:
        for i, address in enumerate(addresses):
            self.mx(domain, f"mx{i}.{domain}", address, preference)

    def mx(self, domain: str, host: str, address: str, preference: int = 10) -> None:
        self.dns.add(domain, "MX", f"{preference} {host}.")
        self.dns.set(host, "A", [address])


@pytest.fixture
def zone(dns_server) -> Zone:  # noqa: F811
    return Zone(dns_server)
