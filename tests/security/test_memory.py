"""Memory stays bounded under the big hostile inputs (DESIGN.md: everything has a limit).

The server runs as its own process (``mailstore serve``) so that its resident set size can be
read from /proc; each test sends tens of megabytes of hostile input and asserts the RSS grew by
less than :data:`BOUND`, the server still answers the same client (or another one), and it is
still running.
"""

from __future__ import annotations

import asyncio
import socket
import zlib
from collections.abc import Iterator

import pytest

from tests.imap.helpers import LOGIN, PASSWORD, Transcript
from tests.pop3.helpers import Transcript as Pop3Transcript
from tests.security.serverproc import MESSAGE_SIZE, ServerProcess, serve

#: A generous bound on RSS growth; an input held in memory would take 20 MB to 200 MB.
BOUND = 100 * 1024 * 1024
CHUNK = b"x" * (1 << 16)


@pytest.fixture
def server(database_url, account, tmp_path) -> Iterator[ServerProcess]:  # type: ignore[no-untyped-def]
    with serve(database_url, tmp_path) as process:
        yield process


def _smtp(port: int, lines: list[bytes]) -> list[bytes]:
    """Send each line, read one reply line after each (multi-line replies: the last line)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    f = sock.makefile("rb")
    replies = [f.readline()]
    for line in lines:
        sock.sendall(line)
        reply = f.readline()
        while reply[3:4] == b"-":
            reply = f.readline()
        replies.append(reply.rstrip(b"\r\n"))
    sock.close()
    return replies


async def test_imap(server):
    def scenario() -> None:
        t = Transcript(server.ports["imap"])
        t.login()
        t.ok("SELECT INBOX")
        before = server.rss()
        # 20 MB of one line without a line end
        t.send(b"a NOOP ")
        for _ in range(320):
            t.send(CHUNK)
        assert t.line().startswith(b"a BAD")
        t.send(b"\r\n")
        t.ok("NOOP")
        # a thousand synchronizing literals of 8 KB each in one command
        t.send(b"b SEARCH TEXT {8192}\r\n")
        for _ in range(1000):
            assert t.line() == b"+ Ready for literal data"
            t.send(b"y" * 8192 + b" TEXT {8192}\r\n")
        assert t.line() == b"b BAD command too long or too many literals"
        t.ok("NOOP")
        # a compression bomb: 200 MB of one line from about 200 KB on the wire
        t.ok("COMPRESS DEFLATE")
        deflate = zlib.compressobj(wbits=-15)
        inflate = zlib.decompressobj(wbits=-15)
        t.send(deflate.compress(b"c NOOP "))
        for _ in range(3200):
            t.send(deflate.compress(CHUNK))
        t.send(deflate.compress(b"\r\nd NOOP\r\n") + deflate.flush(zlib.Z_SYNC_FLUSH))
        data = b""
        while b"d OK" not in data:
            data += inflate.decompress(t.sock.recv(65536))
        assert data.startswith(b"c BAD command too long or too many literals\r\n")
        grown = server.rss() - before
        assert grown < BOUND, grown
        u = Transcript(server.ports["imap"])  # another client is served as usual
        u.login()
        assert u.ok("SELECT INBOX")
        # a non-synchronizing literal of 2**62 octets: refused, connection closed
        u.send(b"e APPEND INBOX {4611686018427387904+}\r\n")
        assert u.line() == b"e BAD [TOOBIG] literal too big"
        assert u.line().startswith(b"* BYE")
        assert server.alive()

    await asyncio.to_thread(scenario)


async def test_smtp_and_pop3(server):
    def scenario() -> None:
        before = server.rss()
        endless = b"NOOP " + b"x" * (20 << 20) + b"\r\n"
        big = b"Subject: big\r\n\r\n" + (b"z" * 998 + b"\r\n") * (20 << 10) + b".\r\n"
        one_line = b"Subject: one line\r\n\r\n" + b"q" * (20 << 20) + b"\r\n.\r\n"
        replies = _smtp(
            server.ports["smtp"],
            [
                b"EHLO client.example.net\r\n",
                endless,
                b"MAIL FROM:<alice@example.com>\r\n",
                b"RCPT TO:<bob@example.org>\r\n",
                b"DATA\r\n",
                big,
                b"MAIL FROM:<alice@example.com>\r\n",
                b"RCPT TO:<bob@example.org>\r\n",
                b"DATA\r\n",
                one_line,
                b"NOOP\r\n",
            ],
        )
        assert replies[0].startswith(b"220 ") and replies[1].startswith(b"250 ")
        assert [r[:9] for r in replies[2:]] == [
            b"500 5.5.2",  # the 20 MB command line
            b"250 2.1.0",
            b"250 2.1.5",
            b"354 End d",
            b"552 5.3.4",  # 20 MB of message over the 1 MB limit
            b"250 2.1.0",
            b"250 2.1.5",
            b"354 End d",
            b"552 5.3.4",  # 20 MB of one line
            b"250 2.0.0",
        ]
        p = Pop3Transcript(server.ports["pop3"])
        for _ in range(320):
            p.send(CHUNK)
        p.send(b"\r\n")
        assert p.line() == b"-ERR line too long"
        assert p.command(f"USER {LOGIN}").startswith(b"+OK")
        assert p.command(f"PASS {PASSWORD}").startswith(b"+OK")
        assert p.command("STAT") == b"+OK 0 0"
        grown = server.rss() - before
        assert grown < BOUND, grown
        assert server.alive()
        assert MESSAGE_SIZE < len(big) < 2 * BOUND

    await asyncio.to_thread(scenario)
