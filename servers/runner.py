"""The process that runs every front end over one engine ``Store``.

Front ends register here as their issues land (SMTP, LMTP, IMAP, POP3, queue workers). Each is
a :class:`Service` with ``start()`` returning the lines to print (one per listener) and
``stop()``; the runner starts them in order and stops them in reverse on SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from mailstore.config import Config
from mailstore.store import ChangeListener, Store
from servers.common.metrics import Metrics
from servers.common.metrics_http import MetricsServer
from servers.common.throttle import AuthThrottle

log = logging.getLogger(__name__)


class Service(Protocol):
    async def start(self) -> list[str]: ...
    async def stop(self) -> None: ...


@dataclass
class Context:
    """What every front end gets: config, engine, change listener and TLS context."""

    config: Config
    store: Store
    listener: ChangeListener
    tls: ssl.SSLContext
    #: STARTTLS on port 25 (more permissive than ``tls``: a refused handshake there means
    #: plaintext, RFC 7435); None: use ``tls``.
    tls_mx: ssl.SSLContext | None = None
    #: Failed-login throttle shared by SMTP AUTH, IMAP and POP3, from ``[auth] login_*``.
    throttle: AuthThrottle = field(init=False)
    #: This process's Prometheus registry (``servers/common/metrics.py``), served on
    #: ``[metrics] listen``; every front end counts into it.
    metrics: Metrics = field(default_factory=Metrics)

    def __post_init__(self) -> None:
        self.throttle = AuthThrottle.from_config(self.config.auth)


#: Front-end packages, each with ``service.create(context) -> list[Service]``, in start order.
FRONT_ENDS = ("servers.smtp", "servers.imap", "servers.pop3")


def service_factories() -> list[Callable[[Context], list[Service]]]:
    factories = []
    for package in FRONT_ENDS:
        try:
            module = importlib.import_module(f"{package}.service")
        except ModuleNotFoundError as exc:
            if exc.name and (exc.name == package or exc.name.startswith(f"{package}.service")):
                continue  # that front end is not built yet
            raise
        factories.append(module.create)
    return factories


class BackgroundTasks:
    """Engine work that runs beside the front ends: the search indexer, the queue workers."""

    def __init__(self, context: Context):
        self.context = context
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> list[str]:
        from mailstore.outbound.worker import run_workers

        ctx = self.context
        self._tasks.append(
            asyncio.create_task(ctx.store.indexer.run(self._stop), name="search-indexer")
        )
        if not ctx.config.database.unsafe_durability:
            from mailstore.store.durability import watch_durability

            self._tasks.append(
                asyncio.create_task(
                    watch_durability(ctx.store.db, self._stop), name="durability-watch"
                )
            )
        self._tasks.append(
            asyncio.create_task(
                run_workers(
                    ctx.store, ctx.config, self._stop, on_attempt=ctx.metrics.queue_attempt
                ),
                name="queue-workers",
            )
        )
        return ["search indexer running", "outbound queue workers running"]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()


@dataclass
class Runner:
    context: Context
    services: list[Service] = field(default_factory=list)

    async def start(self, print_line: Callable[[str], None]) -> None:
        background = BackgroundTasks(self.context)
        for line in await background.start():
            print_line(line)
        self.services.append(background)
        for factory in service_factories():
            for service in factory(self.context):
                for line in await service.start():
                    print_line(line)
                self.services.append(service)
        ctx = self.context
        if ctx.config.metrics.listen:
            metrics = MetricsServer(ctx.metrics, ctx.store, ctx.config.metrics.listen)
            for line in await metrics.start():
                print_line(line)
            self.services.append(metrics)

    async def stop(self) -> None:
        for service in reversed(self.services):
            try:
                await service.stop()
            except Exception:
                log.exception("error stopping %s", service)
        self.services.clear()

    async def run_until_signal(self, print_line: Callable[[str], None]) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await self.start(print_line)
            print_line("mailstore is running; Ctrl-C or SIGTERM stops it")
            await stop.wait()
            print_line("stopping")
        finally:
            await self.stop()
