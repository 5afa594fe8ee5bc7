"""Hostile POP3 input (RFC 1939, RFC 2449 §4: a command line is at most 255 octets, a response
line 512): over-long and endless lines, NUL and control characters. Exact reply per row; the
session goes on (until the bad-command limit), and another client is served afterwards.
"""

from __future__ import annotations

import asyncio

from tests.pop3.helpers import LOGIN, PASSWORD, deliver, make_message

CONTROL = b"-ERR control characters in command line"

#: Raw line (without CRLF) -> exact reply, each in a fresh session before login.
LINES = {
    b"NOOP " + b"x" * 600: b"-ERR line too long",
    b"USER " + b"x" * 100_000: b"-ERR line too long",
    b"US\x00ER bob": CONTROL,
    b"USER bob@example.org\x00": CONTROL,
    b"USER bob@example.org\x00admin": CONTROL,
    b"USER \x1b[2Jbob": CONTROL,
    b"USER bob\rPASS secret": CONTROL,
    b"\x00": CONTROL,
    b"\xff\xfe": b"-ERR unknown command",
    b"": b"-ERR unknown command",
    b"CAPA\x00": CONTROL,
    b"AUTH PLAIN " + b"A" * 10_000: b"-ERR line too long",
    b"AUTH \x00": CONTROL,
}


async def test_lines_before_login(pop3):
    def scenario() -> dict[bytes, bytes]:
        got = {}
        for line in LINES:
            t = pop3.transcript()
            got[line] = t.command(line)
            t.login()  # the session is still usable, and the NUL did not name another user
            assert t.command("STAT") == b"+OK 1 %d" % pop3_size
            assert t.command("QUIT").startswith(b"+OK")  # releases the maildrop lock
            t.close()
        return got

    await deliver(pop3.store, pop3.account, make_message())
    pop3_size = len(make_message())
    got = await asyncio.to_thread(scenario)
    assert got == LINES


async def test_endless_line_and_pipelined_garbage(pop3):
    def scenario() -> None:
        t = pop3.transcript()
        for _ in range(64):  # 4 MB without a line end
            t.send(b"y" * 65536)
        t.send(b"\r\n")
        assert t.line() == b"-ERR line too long"
        t.send(f"USER {LOGIN}\r\nPASS {PASSWORD}\r\nSTAT\r\nQUIT\r\n".encode())
        assert [t.line()[:3] for _ in range(4)] == [b"+OK"] * 4
        t.close()

    await asyncio.to_thread(scenario)


async def test_transaction_commands_with_bad_bytes(pop3):
    await deliver(pop3.store, pop3.account, make_message())

    def scenario() -> dict[bytes, bytes]:
        t = pop3.transcript()
        t.login()
        got = {}
        for line in (
            b"RETR 1\x00",
            b"RETR \x001",
            b"RETR 99999999999999999999999999",
            b"RETR -1",
            b"TOP 1 99999999999999999999999",
            b"DELE 1 1",
            b"LIST 0",
            b"UIDL \xff",
        ):
            got[line] = t.command(line)
        assert t.command("STAT").startswith(b"+OK 1 ")  # nothing was marked deleted
        t.close()
        return got

    got = await asyncio.to_thread(scenario)
    assert all(reply.startswith(b"-ERR") for reply in got.values()), got
