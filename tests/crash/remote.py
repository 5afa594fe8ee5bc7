"""The remote MX of the harness: a real aiosmtpd listener on loopback, in its own thread.

The server's outbound queue relays to it (``[queue] relayhost``). It outlives every server
restart and records each reception of each token with its time, so the harness can tell
"delivered at least once" and whether a duplicate had a fault in between.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from typing import Any

from aiosmtpd.smtp import SMTP as AioSMTP

from tests.crash.ledger import token_of


class _Handler:
    def __init__(self, sink: RemoteMX) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        self.sink.record(bytes(raw))
        return "250 2.0.0 Ok: queued by the crash harness"


class RemoteMX:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        #: token -> [(monotonic time, raw)]
        self.received: dict[str, list[tuple[float, bytes]]] = defaultdict(list)
        self.unknown = 0
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="remote-mx", daemon=True)
        self._thread.start()
        self.server = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(30)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _start(self) -> asyncio.Server:
        handler = _Handler(self)
        return await self.loop.create_server(
            lambda: AioSMTP(handler, hostname="mx.remote.test", timeout=30), "127.0.0.1", 0
        )

    def record(self, raw: bytes) -> None:
        token = token_of(raw)
        with self.lock:
            if token is None:
                self.unknown += 1
            else:
                self.received[token].append((time.monotonic(), raw))

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
