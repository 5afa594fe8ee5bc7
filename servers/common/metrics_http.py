"""``GET /metrics`` over HTTP/1.1 for Prometheus, on the ``[metrics] listen`` address.

A tiny asyncio handler rather than prometheus_client's own server: that one runs in a thread,
and the engine's figures must be read in the event loop (``Metrics.refresh``); it would also
outlive ``stop()``. One request per connection (``Connection: close``), which is how
Prometheus scrapes. Everything is bounded: the request head (:data:`MAX_HEAD` octets, any
body is never read) and the time a client may take (:data:`TIMEOUT`); what is not a
well-formed ``GET``/``HEAD`` gets its 4xx (RFC 9110 §15.5) and a log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from mailstore.config import parse_hostport
from servers.common.listener import bound_addresses, close_server, format_address
from servers.common.metrics import CONTENT_TYPE, Metrics

if TYPE_CHECKING:
    from mailstore.store import Store

log = logging.getLogger(__name__)

#: Octets of request line and header fields we read before answering 431.
MAX_HEAD = 8192
#: Seconds a client has to send its request and take the answer.
TIMEOUT = 10.0
#: The one path served.
PATH = "/metrics"

_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    431: "Request Header Fields Too Large",
    505: "HTTP Version Not Supported",
}


class MetricsServer:
    """A runner service: ``start()`` binds and returns its line, ``stop()`` closes."""

    def __init__(self, metrics: Metrics, store: Store, address: str) -> None:
        self.metrics = metrics
        self.store = store
        self.host, self.port = parse_hostport(address, "metrics.listen")
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """Bound (host, port) pairs; the real port when configured with port 0."""
        return bound_addresses(self._server)

    async def start(self) -> list[str]:
        self._server = await asyncio.start_server(
            self._client, self.host, self.port, limit=MAX_HEAD
        )
        return [f"metrics on http://{format_address(h, p)}{PATH}" for h, p in self.addresses]

    async def stop(self) -> None:
        await close_server(self._server, self._clients)
        self._server = None

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        peer = writer.get_extra_info("peername")
        try:
            async with asyncio.timeout(TIMEOUT):
                status, body, head_only = await self._answer(reader)
                if status != 200:
                    log.info("metrics %s: %d %s", peer, status, _REASONS[status])
                await _respond(writer, status, body, head_only)
        except TimeoutError:
            log.info("metrics %s: timed out", peer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away
        except asyncio.CancelledError:
            pass  # stop()
        except Exception:
            log.exception("metrics %s: request failed", peer)
        finally:
            self._clients.discard(task)
            writer.close()

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
        """(status, body, HEAD?) for the request on ``reader``."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            return 431, b"request head too large\n", False
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                raise
            return 400, b"incomplete request\n", False
        request_line = head.split(b"\r\n", 1)[0]
        parts = request_line.split(b" ")
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/"):
            return 400, b"malformed request line\n", False
        method, target, version = parts
        if version not in (b"HTTP/1.0", b"HTTP/1.1"):
            return 505, b"HTTP/1.0 or HTTP/1.1 only\n", False
        if method not in (b"GET", b"HEAD"):
            return 405, b"GET or HEAD only\n", False
        if target.split(b"?", 1)[0] != PATH.encode():
            return 404, b"not found; metrics are at /metrics\n", method == b"HEAD"
        await self.metrics.refresh(self.store)
        return 200, self.metrics.render(), method == b"HEAD"


async def _respond(writer: asyncio.StreamWriter, status: int, body: bytes, head_only: bool) -> None:
    content_type = CONTENT_TYPE if status == 200 else "text/plain; charset=utf-8"
    lines = [
        f"HTTP/1.1 {status} {_REASONS[status]}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        "Connection: close",
    ]
    if status == 405:
        lines.append("Allow: GET, HEAD")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
    if not head_only:
        writer.write(body)
    with contextlib.suppress(ConnectionError):
        await writer.drain()
