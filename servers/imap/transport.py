"""One client connection as a byte pipe: reads, buffered writes, STARTTLS and COMPRESS.

The session reads only when its ``CommandReader`` needs more input, so a client that
pipelines faster than we answer is slowed by TCP flow control, never buffered without bound.

STARTTLS (RFC 9051 §6.2.1) must not act on anything sent before the handshake
(CVE-2011-0411): ``start_tls`` hands the socket to a *new* ``StreamReader``, so plaintext that
reached the old one is never read, and the session drops its own reader buffer too.

COMPRESS=DEFLATE (RFC 4978) wraps both directions in raw deflate (``wbits=-15``). Inflation is
bounded: one ``read()`` returns at most ``MAX_INFLATE`` octets and keeps the rest of the
compressed input for the next call, so a small compressed bomb costs no more memory than an
uncompressed client could make us hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import zlib

#: Octets asked of the socket per read.
READ_CHUNK = 64 * 1024
#: Octets of inflated data one ``read()`` may return (RFC 4978 §4 decompression bound).
MAX_INFLATE = 64 * 1024
#: Seconds to wait for a closing handshake before dropping the connection.
CLOSE_TIMEOUT = 5.0


class ConnectionClosed(Exception):
    """The client went away (EOF, reset, broken TLS or compression stream)."""


class Transport:
    """asyncio streams plus the two layers a session may add: TLS, then deflate."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        write_timeout: float,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._retired: list[asyncio.StreamWriter] = []  # the plain writer under TLS
        self.write_timeout = write_timeout
        self._inflate: zlib._Decompress | None = None
        self._deflate: zlib._Compress | None = None
        self._pending = b""  # compressed input not yet inflated (the bound above)
        peer = writer.get_extra_info("peername")
        self.peer_host: str | None = peer[0] if isinstance(peer, tuple) else None
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.secure = writer.get_extra_info("sslcontext") is not None
        #: Octets read from and written to the connection (compressed when COMPRESS is on).
        self.bytes_in = 0
        self.bytes_out = 0

    @property
    def compressed(self) -> bool:
        return self._deflate is not None

    # -- reading -------------------------------------------------------------------------------
    async def read(self) -> bytes:
        """The next octets from the client (never empty); ``ConnectionClosed`` at EOF."""
        while True:
            if self._inflate is not None and self._pending:
                data = self._inflate_some(b"")
                if data:
                    return data
            try:
                chunk = await self._reader.read(READ_CHUNK)
            except (ConnectionError, ssl.SSLError) as exc:
                raise ConnectionClosed(str(exc)) from exc
            if not chunk:
                raise ConnectionClosed("end of stream")
            self.bytes_in += len(chunk)
            if self._inflate is None:
                return chunk
            data = self._inflate_some(chunk)
            if data:
                return data

    def _inflate_some(self, chunk: bytes) -> bytes:
        assert self._inflate is not None
        try:
            data = self._inflate.decompress(self._pending + chunk, MAX_INFLATE)
        except zlib.error as exc:
            raise ConnectionClosed(f"bad deflate stream: {exc}") from exc
        self._pending = self._inflate.unconsumed_tail
        return data

    # -- writing -------------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Queue ``data``; ``drain`` or ``flush`` sends it."""
        if self._deflate is not None:
            data = self._deflate.compress(data)
        if data:
            self.bytes_out += len(data)
            self._writer.write(data)

    async def drain(self) -> None:
        """Wait while the client is slow to read (flow control), up to ``write_timeout``."""
        if self._writer.is_closing():
            raise ConnectionClosed("connection closing")
        try:
            async with asyncio.timeout(self.write_timeout):
                await self._writer.drain()
        except TimeoutError:
            raise ConnectionClosed("client stopped reading") from None
        except (ConnectionError, ssl.SSLError) as exc:
            raise ConnectionClosed(str(exc)) from exc

    async def flush(self) -> None:
        """Send everything queued; with COMPRESS, end the deflate block (Z_SYNC_FLUSH)."""
        if self._deflate is not None:
            tail = self._deflate.flush(zlib.Z_SYNC_FLUSH)
            if tail:
                self.bytes_out += len(tail)
                self._writer.write(tail)
        await self.drain()

    # -- layers --------------------------------------------------------------------------------
    async def start_tls(self, context: ssl.SSLContext, handshake_timeout: float) -> None:
        """Switch to TLS (server side); bytes read before the switch are never seen."""
        await self.flush()
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=READ_CHUNK)
        protocol = asyncio.StreamReaderProtocol(reader)
        old = self._writer
        self._retired.append(old)
        try:
            transport = await loop.start_tls(
                old.transport,
                protocol,
                context,
                server_side=True,
                ssl_handshake_timeout=handshake_timeout,
            )
        except (ConnectionError, ssl.SSLError, TimeoutError) as exc:
            raise ConnectionClosed(f"TLS handshake failed: {exc}") from exc
        if transport is None:  # pragma: no cover - the transport closed meanwhile
            raise ConnectionClosed("connection closed during TLS handshake")
        self._reader = reader
        self._writer = asyncio.StreamWriter(transport, protocol, reader, loop)
        self.secure = True

    def start_compression(self) -> None:
        """RFC 4978 §3: raw deflate both ways from the octet after the tagged OK."""
        self._inflate = zlib.decompressobj(wbits=-15)
        self._deflate = zlib.compressobj(level=6, wbits=-15)

    # -- closing -------------------------------------------------------------------------------
    async def close(self) -> None:
        with contextlib.suppress(Exception):
            if self._deflate is not None and not self._writer.is_closing():
                self._writer.write(self._deflate.flush(zlib.Z_FINISH))
        writer = self._writer
        if not writer.is_closing():
            writer.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await writer.wait_closed()
        if not writer.transport.is_closing():  # pragma: no cover
            writer.transport.abort()
        for old in self._retired:
            if not old.transport.is_closing():
                old.transport.abort()
