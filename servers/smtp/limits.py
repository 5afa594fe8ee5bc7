"""Connection limits per client address and in total (DESIGN: everything has a limit)."""

from __future__ import annotations

from collections import Counter

from servers.smtp import replies
from servers.smtp.replies import Reply


class ConnectionLimiter:
    """Counts open connections; one instance is shared by all SMTP listeners of a process."""

    def __init__(self, total: int, per_address: int):
        self.total = total
        self.per_address = per_address
        self._open: Counter[str] = Counter()
        self._count = 0

    def acquire(self, address: str) -> Reply | None:
        """Admit a connection (None) or say why not (a 421 reply to send before closing)."""
        if self._count >= self.total:
            return replies.SERVER_BUSY
        if self._open[address] >= self.per_address:
            return replies.TOO_MANY_CONNECTIONS
        self._open[address] += 1
        self._count += 1
        return None

    def release(self, address: str) -> None:
        if self._open[address] <= 0:
            return
        self._open[address] -= 1
        self._count -= 1
        if not self._open[address]:
            del self._open[address]

    def open_connections(self, address: str | None = None) -> int:
        return self._count if address is None else self._open[address]
