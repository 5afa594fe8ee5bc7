"""One client connection over asyncio streams: limited line reading, replies, STLS.

Lines are read into our own buffer so a line limit costs no more memory than the limit: an
over-long line is discarded up to its LF and reported as :class:`LineTooLong`.

STLS (RFC 2595 §4) must not act on anything the client sent before the TLS handshake
(STARTTLS command injection, CVE-2011-0411): :meth:`Connection.start_tls` drops our buffer and
hands the transport to a *new* ``StreamReader``, so bytes that reached the old reader before
the switch are never read; the switch of protocol inside ``loop.start_tls`` is synchronous, so
every later byte goes through TLS. ``StreamWriter.start_tls`` would keep the old reader and
its buffered plaintext, which is why it is not used.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl

#: Octets asked of the stream per read.
READ_CHUNK = 64 * 1024
#: Seconds to wait for a closing handshake before dropping the connection.
CLOSE_TIMEOUT = 5.0


class ConnectionClosed(Exception):
    """The client went away (EOF or reset)."""


class IdleTimeout(Exception):
    """No complete line (or no progress writing) within the idle timeout."""


class LineTooLong(Exception):
    """A line exceeded the limit; it has been discarded through its LF."""


class Connection:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        idle_timeout: float,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._buffer = bytearray()
        self._retired: list[asyncio.StreamWriter] = []  # pre-STLS writers, kept alive
        self.idle_timeout = idle_timeout
        peer = writer.get_extra_info("peername")
        self.peer_host: str | None = peer[0] if isinstance(peer, tuple) else None
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.secure = writer.get_extra_info("sslcontext") is not None
        #: Octets read from and written to the connection.
        self.bytes_in = 0
        self.bytes_out = 0

    # -- reading -------------------------------------------------------------------------------
    async def readline(self, limit: int) -> bytes:
        """The next line with its LF, at most ``limit`` octets."""
        try:
            async with asyncio.timeout(self.idle_timeout):
                return await self._readline(limit)
        except TimeoutError:
            raise IdleTimeout() from None

    async def _readline(self, limit: int) -> bytes:
        start = 0
        while True:
            end = self._buffer.find(b"\n", start)
            if end >= 0:
                if end + 1 > limit:
                    del self._buffer[: end + 1]
                    raise LineTooLong()
                line = bytes(self._buffer[: end + 1])
                del self._buffer[: end + 1]
                return line
            if len(self._buffer) >= limit:
                await self._discard_line()
                raise LineTooLong()
            start = len(self._buffer)
            await self._fill()

    async def _discard_line(self) -> None:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                del self._buffer[: end + 1]
                return
            self._buffer.clear()
            await self._fill()

    async def _fill(self) -> None:
        try:
            data = await self._reader.read(READ_CHUNK)
        except (ConnectionError, ssl.SSLError) as exc:
            raise ConnectionClosed(str(exc)) from exc
        if not data:
            raise ConnectionClosed("end of stream")
        self.bytes_in += len(data)
        self._buffer += data

    # -- writing -------------------------------------------------------------------------------
    async def send(self, *chunks: bytes) -> None:
        """Write and wait until the transport accepts more (flow control), or time out."""
        if self._writer.is_closing():
            raise ConnectionClosed("connection closing")
        self._writer.writelines(chunks)  # one send for a status line and its body
        self.bytes_out += sum(map(len, chunks))
        try:
            async with asyncio.timeout(self.idle_timeout):
                await self._writer.drain()
        except TimeoutError:
            raise IdleTimeout() from None
        except (ConnectionError, ssl.SSLError) as exc:
            raise ConnectionClosed(str(exc)) from exc

    # -- TLS -----------------------------------------------------------------------------------
    async def start_tls(self, context: ssl.SSLContext, handshake_timeout: float) -> None:
        """Switch to TLS (server side), discarding everything read before the switch."""
        await self.send()
        self._buffer.clear()  # RFC 2595 §4 / CVE-2011-0411: pipelined plaintext is dropped
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
        if transport is None:  # pragma: no cover - only when the transport closed meanwhile
            raise ConnectionClosed("connection closed during TLS handshake")
        self._reader = reader
        self._writer = asyncio.StreamWriter(transport, protocol, reader, loop)
        self.secure = True

    # -- closing -------------------------------------------------------------------------------
    async def close(self) -> None:
        """Close (flushing what is buffered, TLS close_notify); abort a client that does not
        read within :data:`CLOSE_TIMEOUT`, or its buffered replies would pin the transport."""
        writer = self._writer
        if not writer.is_closing():
            writer.close()
        closed = False
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await writer.wait_closed()
                closed = True
        if not closed:
            writer.transport.abort()
        for old in self._retired:  # the plain transport under TLS: closed with it normally
            if not old.transport.is_closing():
                old.transport.abort()
