"""COMPRESS=DEFLATE input (RFC 4978): the IMAP transport inflates any cut of any stream.

Over a real socket pair: what a client deflates comes out of ``Transport.read`` unchanged
whatever the TCP segmentation, no read returns more than ``MAX_INFLATE`` octets (a small bomb
costs no more memory than plain input would), and a corrupt stream ends the connection with
``ConnectionClosed`` -- never another exception.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import zlib

from hypothesis import given
from hypothesis import strategies as st

from servers.imap.transport import MAX_INFLATE, ConnectionClosed, Transport

from .profile import bounded


async def inflate_all(chunks: list[bytes]) -> tuple[bytes, int, bool]:
    """Send ``chunks`` into a compressed Transport; (octets read, largest read, closed cleanly)."""
    ours, theirs = socket.socketpair()
    reader, writer = await asyncio.open_connection(sock=ours)
    transport = Transport(reader, writer, write_timeout=5)
    transport.start_compression()
    loop = asyncio.get_running_loop()

    async def client() -> None:
        for chunk in chunks:
            await loop.sock_sendall(theirs, chunk)
        theirs.shutdown(socket.SHUT_WR)

    theirs.setblocking(False)
    sender = asyncio.create_task(client())
    out, largest, broken = bytearray(), 0, False
    try:
        while True:
            data = await asyncio.wait_for(transport.read(), 10)
            largest = max(largest, len(data))
            out += data
    except ConnectionClosed as exc:
        broken = "deflate" in str(exc)
    await sender
    await transport.close()
    theirs.close()
    return bytes(out), largest, broken


def deflate(data: bytes, flushes: list[int]) -> bytes:
    """Raw deflate (wbits=-15) as a client sends it, with sync flushes at random places."""
    compressor = zlib.compressobj(wbits=-15)
    out, pos = [], 0
    for cut in sorted(set(flushes)):
        out.append(compressor.compress(data[pos:cut]))
        out.append(compressor.flush(zlib.Z_SYNC_FLUSH))
        pos = cut
    out.append(compressor.compress(data[pos:]))
    out.append(compressor.flush(zlib.Z_SYNC_FLUSH))
    return b"".join(out)


def cut(stream: bytes, cuts: list[int]) -> list[bytes]:
    bounds = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    return [stream[a:b] for a, b in itertools.pairwise(bounds) if b > a]


@bounded(60)
@given(
    data=st.binary(max_size=3000) | st.integers(0, 400_000).map(lambda n: b"\x00" * n),
    flushes=st.lists(st.integers(0, 3000), max_size=4),
    cuts=st.lists(st.integers(0, 10**6), max_size=8),
)
def test_inflate_round_trip_bounded(data: bytes, flushes: list[int], cuts: list[int]) -> None:
    stream = deflate(data, flushes)
    out, largest, broken = asyncio.run(inflate_all(cut(stream, cuts)))
    assert out == data and not broken
    assert largest <= MAX_INFLATE


@bounded(60)
@given(
    data=st.binary(min_size=1, max_size=500),
    garbage=st.binary(min_size=1, max_size=20),
    position=st.integers(0, 10**6),
)
def test_corrupt_stream_closes_cleanly(data: bytes, garbage: bytes, position: int) -> None:
    stream = bytearray(deflate(data, []))
    at = position % (len(stream) + 1)
    stream[at:at] = garbage
    out, largest, _broken = asyncio.run(inflate_all([bytes(stream)]))
    # whatever came out before the damage is bounded; the rest is a clean ConnectionClosed
    assert largest <= MAX_INFLATE
    assert len(out) <= MAX_INFLATE * (len(stream) + 1)
