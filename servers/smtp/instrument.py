"""Counting and timing SMTP commands without touching aiosmtpd's command loop.

aiosmtpd's ``_handle_client`` looks each verb up in ``self._smtp_methods`` (verb -> bound
``smtp_*`` method) and awaits it; there is no hook around a command. :class:`CommandTable`
replaces that dict: a lookup hands out the method wrapped in :class:`TimedCommand`, which
records the verb as the session's current command (so ``push`` knows which step a refusal
answers) and reports its count and duration to the protocol's
:class:`~servers.common.metrics.ProtocolMetrics`. A verb aiosmtpd does not know counts as
``other`` (``HELP unknown`` too: it looks its argument up the same way).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from servers.common.metrics import OTHER, ProtocolMetrics

Method = Callable[[str | None], Awaitable[None]]


class TimedCommand:
    """One command about to run: counts and times it; attribute reads reach the method
    (aiosmtpd's HELP reads ``__smtp_syntax__`` from it)."""

    __slots__ = ("_method", "_table", "_verb")

    def __init__(self, table: CommandTable, verb: str, method: Method) -> None:
        self._table = table
        self._verb = verb
        self._method = method

    async def __call__(self, arg: str | None) -> None:
        table = self._table
        table.current = self._verb
        started = time.perf_counter()
        try:
            await self._method(arg)
        finally:
            table.current = None  # replies outside a command are no step's answer
            table.stats.command(self._verb, time.perf_counter() - started)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._method, name)


class CommandTable(dict[str, Any]):
    """aiosmtpd's verb -> method table, handing out :class:`TimedCommand` wrappers."""

    def __init__(self, methods: dict[str, Any], stats: ProtocolMetrics) -> None:
        super().__init__(methods)
        self.stats = stats
        #: The verb of the command running now (None before the first).
        self.current: str | None = None

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        method = super().get(key)
        if method is None:
            self.stats.command(OTHER)
            return default
        return TimedCommand(self, key, method)
