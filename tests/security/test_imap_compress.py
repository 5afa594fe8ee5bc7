"""COMPRESS=DEFLATE (RFC 4978) abuse: decompression bombs and broken deflate streams.

Inflation is bounded per read (servers/imap/transport.py), so a bomb costs what the same
bytes sent uncompressed would; a broken stream ends only that connection. (The 200 MB bomb
with an RSS measurement is in test_memory.)
"""

from __future__ import annotations

import asyncio
import zlib

from tests.imap.helpers import Transcript


def _compressed(t: Transcript) -> tuple[zlib._Compress, zlib._Decompress]:
    t.ok("COMPRESS DEFLATE")
    return zlib.compressobj(wbits=-15), zlib.decompressobj(wbits=-15)


def _until(t: Transcript, inflate: zlib._Decompress, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        chunk = t.sock.recv(65536)
        assert chunk, data[-200:]
        data += inflate.decompress(chunk)
    return data


async def test_bombs(imap):
    def scenario() -> None:
        # 50 MB of empty lines: answered, until the bad-command limit closes the session
        t = imap.transcript(login=True)
        deflate, inflate = _compressed(t)
        t.send(deflate.compress(b"\r\n" * (25 << 20)) + deflate.flush(zlib.Z_SYNC_FLUSH))
        data = _until(t, inflate, b"* BYE")
        assert data == b"* BAD missing tag\r\n" * 20 + b"* BYE too many invalid commands\r\n"
        assert t.closed()
        t.close()
        # a literal that inflates past the limit: refused before a byte of it is read
        t = imap.transcript(login=True)
        deflate, inflate = _compressed(t)
        t.send(
            deflate.compress(b"a APPEND INBOX {99999999999}\r\n") + deflate.flush(zlib.Z_SYNC_FLUSH)
        )
        assert _until(t, inflate, b"\r\n") == b"a NO [TOOBIG] literal too big\r\n"
        t.send(deflate.compress(b"b NOOP\r\n") + deflate.flush(zlib.Z_SYNC_FLUSH))
        assert _until(t, inflate, b"b OK").startswith(b"b OK")
        t.close()

    await asyncio.to_thread(scenario)


async def test_broken_deflate_stream_ends_only_that_connection(imap):
    def scenario() -> None:
        for garbage in (b"\xff" * 64, b"\x07" + b"\x00" * 10):  # reserved block types
            t = imap.transcript(login=True)
            _compressed(t)
            t.send(garbage)
            assert t.closed()
            t.close()
        u = imap.transcript(login=True)
        u.ok("SELECT INBOX")
        u.close()

    await asyncio.to_thread(scenario)
