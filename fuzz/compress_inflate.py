"""atheris target: COMPRESS=DEFLATE input (RFC 4978) through the IMAP transport.

The input is what a client sends after ``COMPRESS DEFLATE``: a raw deflate stream, valid or
not. ``Transport.read`` must hand out at most ``MAX_INFLATE`` octets per read (a bomb is no
worse than plain input) and end with ``ConnectionClosed`` -- never another exception, never a
hang.
"""

from __future__ import annotations

import asyncio
import socket
import sys

from _harness import instrumented, run

with instrumented():
    from servers.imap.transport import MAX_INFLATE, ConnectionClosed, Transport

LOOP = asyncio.new_event_loop()


async def inflate(data: bytes) -> None:
    ours, theirs = socket.socketpair()
    theirs.sendall(data)  # a few kB at most: fits the socket buffer
    theirs.shutdown(socket.SHUT_WR)
    reader, writer = await asyncio.open_connection(sock=ours)
    transport = Transport(reader, writer, write_timeout=5)
    transport.start_compression()
    total = 0
    try:
        while True:
            chunk = await asyncio.wait_for(transport.read(), 5)
            if len(chunk) > MAX_INFLATE:
                raise AssertionError(f"one read inflated {len(chunk)} octets")
            total += len(chunk)
            if total > 1 << 30:
                raise AssertionError("inflation without end")
    except ConnectionClosed:
        pass
    finally:
        await transport.close()
        theirs.close()


def one_input(data: bytes) -> None:
    LOOP.run_until_complete(inflate(data))


if __name__ == "__main__":
    run("compress_inflate", one_input)
    sys.exit(0)
