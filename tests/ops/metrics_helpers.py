"""Helpers for the metrics and log tests: every front end plus the metrics listener, started
in-process over the test database, and a scrape parsed with prometheus_client's own parser."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from servers.common.metrics import Metrics
from servers.common.metrics_http import MetricsServer
from servers.common.throttle import AuthThrottle
from servers.imap.service import create as create_imap
from servers.imap.settings import ImapSettings
from servers.pop3.service import create as create_pop3
from servers.pop3.settings import Pop3Settings
from servers.smtp.checks import NoChecks
from servers.smtp.service import SMTPService
from servers.smtp.settings import SMTPSettings

HOST = "127.0.0.1"
TIMEOUT = 10.0
LOGIN = "bob@example.org"
PASSWORD = "secret"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclass
class Servers:
    """Running front ends sharing one :class:`Metrics`; ``ports`` by listener name."""

    metrics: Metrics
    ports: dict[str, int]

    @property
    def metrics_url(self) -> str:
        return f"http://{HOST}:{self.ports['metrics']}/metrics"

    async def scrape(self) -> Samples:
        """GET /metrics with urllib (in a thread: the server runs on this event loop)."""
        text = await asyncio.to_thread(http_get, self.metrics_url)
        return parse(text)

    async def scrape_when_idle(self) -> Samples:
        """A scrape taken once every connection has been closed on the server side too
        (a client sees EOF a moment before the server's session task has finished)."""
        for _ in range(200):
            samples = await self.scrape()
            if not any(
                value
                for (name, _), value in samples.items()
                if name == "mailstore_connections_open"
            ):
                return samples
            await asyncio.sleep(0.05)
        raise AssertionError("connections still open on the server")


@asynccontextmanager
async def serving(server_context: Any) -> AsyncIterator[Servers]:
    """SMTP (MX, submission, submissions, LMTP), IMAP, POP3 and the metrics listener on
    127.0.0.1 port 0; a fresh registry; fast failed-login throttles; no DNS checks."""
    ctx = dataclasses.replace(server_context, metrics=Metrics())
    smtp_settings = dataclasses.replace(
        SMTPSettings.from_config(ctx.config), hostname="mx.example.org"
    )
    services: list[Any] = []
    ports: dict[str, int] = {}
    try:
        smtp = SMTPService(ctx, checks=NoChecks(), settings=smtp_settings)
        smtp.throttle = AuthThrottle(base_delay=0.01)  # protocols take it at each connection
        await smtp.start()
        services.append(smtp)
        ports.update(smtp.ports)
        for create, settings in (
            (create_imap, ImapSettings.from_config(ctx.config)),
            (create_pop3, Pop3Settings.from_config(ctx.config)),
        ):
            for service in create(ctx, settings=settings, throttle=AuthThrottle(base_delay=0.01)):
                await service.start()
                services.append(service)
                ports[service.name] = service.addresses[0][1]
        metrics = MetricsServer(ctx.metrics, ctx.store, f"{HOST}:0")
        await metrics.start()
        services.append(metrics)
        ports["metrics"] = metrics.addresses[0][1]
        yield Servers(ctx.metrics, ports)
    finally:
        for service in reversed(services):
            await service.stop()


def http_get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        return response.read().decode("utf-8")


def http_status(url: str, method: str = "GET") -> int:
    """The status of a request (urllib raises for 4xx: we want the code)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=TIMEOUT):
            return 200
    except urllib.error.HTTPError as exc:
        return exc.code


def raw_http(port: int, request: bytes) -> bytes:
    """Send ``request`` as is and read the whole answer (the server closes after it)."""
    with socket.create_connection((HOST, port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
        return out


def parse(text: str) -> Samples:
    """Every sample by (name, labels); the parser is prometheus_client's, as a scraper's."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when the series does not exist (a counter never incremented)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def series(samples: Samples, name: str, label: str, **labels: str) -> dict[str, float]:
    """``{label value: value}`` of the samples of ``name`` matching ``labels``, non-zero."""
    want = set(labels.items())
    out = {}
    for (sample_name, sample_labels), v in samples.items():
        if sample_name == name and want <= set(sample_labels) and v:
            out[dict(sample_labels)[label]] = v
    return out
