"""Failed-login slow-down per client address, shared by SMTP AUTH, IMAP and POP3.

One instance per process (``servers.runner.Context.throttle``) serves every front end, so
guessing passwords over POP3 after being slowed on IMAP gains nothing.

After each failure from an address the next attempt from it waits longer (1 s, 2 s, 4 s ...
up to ``max_delay``); after ``block_after`` failures inside ``window`` seconds the address is
refused outright (temporary failure) until the window passes. A success clears the record.
The reply a client gets never tells whether the user exists.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from mailstore.config import AuthConfig


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0


@dataclass
class AuthThrottle:
    base_delay: float = 1.0
    max_delay: float = 15.0
    block_after: int = 20
    window: float = 600.0
    _records: dict[str, _Record] = field(default_factory=dict)
    clock: object = time.monotonic

    @classmethod
    def from_config(cls, auth: AuthConfig) -> AuthThrottle:
        return cls(
            base_delay=auth.login_delay,
            max_delay=auth.login_delay_max,
            block_after=auth.login_block_after,
            window=auth.login_window,
        )

    def _now(self) -> float:
        return self.clock()  # type: ignore[operator]

    def _record(self, address: str) -> _Record | None:
        rec = self._records.get(address)
        if rec is not None and self._now() - rec.last > self.window:
            del self._records[address]
            return None
        return rec

    def delay(self, address: str) -> float:
        """Seconds to wait before answering this address's next attempt."""
        rec = self._record(address)
        if rec is None or rec.failures == 0:
            return 0.0
        return min(self.base_delay * 2 ** (rec.failures - 1), self.max_delay)

    def blocked(self, address: str) -> bool:
        rec = self._record(address)
        return rec is not None and rec.failures >= self.block_after

    def failure(self, address: str) -> None:
        rec = self._record(address) or self._records.setdefault(address, _Record())
        rec.failures += 1
        rec.last = self._now()
        if len(self._records) > 100_000:  # bound memory under a wide attack: drop the oldest
            oldest = sorted(self._records.items(), key=lambda kv: kv[1].last)[:10_000]
            for key, _ in oldest:
                del self._records[key]

    def success(self, address: str) -> None:
        self._records.pop(address, None)
