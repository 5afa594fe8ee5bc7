"""Random SMTP and LMTP sessions against the real front end: every line gets a well-formed reply.

Each example is one connection sending a sequence of grammar-built or random command lines
(RFC 5321 §4.1 verbs with good and bad arguments, over-long lines, NUL and 8-bit octets) and,
after a ``354``, a payload with every bare CR / bare LF shape. The properties:

* each command line is answered by exactly one reply (one per accepted recipient after LMTP
  DATA, RFC 2033 §4.2) whose every line is ``NNN-`` / ``NNN `` with a 2xx-5xx code;
* the server never hangs (every read has a timeout) and logs no error (no traceback);
* afterwards a fresh client is greeted and served normally.
"""

from __future__ import annotations

import asyncio
import re
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.frontends import no_logged_errors
from tests.smtp.helpers import HOST, Ports

from .profile import bounded

TIMEOUT = 15.0
REPLY_LINE = re.compile(rb"[2-5][0-9][0-9][ -]")
TERMINATOR = b"\r\n.\r\n"

ADDRESSES = st.sampled_from(
    [
        b"<bob@example.org>",
        b"<BOB@Example.ORG>",
        b"<nobody@example.org>",
        b"<x@elsewhere.example>",
        b'<"bob"@example.org>',
        b"<@relay.example:bob@example.org>",
        b"<bob%elsewhere.example@example.org>",
        b"<bob@[127.0.0.1]>",
        b"<>",
        b"bob@example.org",
        b"<bob@example.org",
        b"<\xc3\xa4@example.org>",
        b"<a\x00b@example.org>",
    ]
)
PARAMS = st.sampled_from([b"", b" SIZE=100", b" SIZE=999999999999", b" BODY=8BITMIME", b" X=Y"])
JUNK = st.binary(max_size=30).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))

COMMANDS = st.one_of(
    st.builds(lambda v, h: v + h, st.sampled_from([b"EHLO ", b"HELO ", b"LHLO "]), JUNK),
    st.sampled_from([b"EHLO client.example", b"LHLO client.example", b"HELO client.example"]),
    st.builds(lambda a, p: b"MAIL FROM:" + a + p, ADDRESSES, PARAMS),
    st.builds(lambda a, p: b"RCPT TO:" + a + p, ADDRESSES, PARAMS),
    st.sampled_from(
        [
            b"DATA",
            b"DATA x",
            b"RSET",
            b"NOOP",
            b"NOOP hello",
            b"VRFY bob",
            b"EXPN list",
            b"HELP",
            b"HELP MAIL",
            b"AUTH PLAIN AGJvYgBzZWNyZXQ=",
            b"AUTH LOGIN",
            b"AUTH",
            b"BDAT 10 LAST",
            b"ETRN x",
            b"",
            b" ",
            b"mail from:<bob@example.org>",
            b"X" * 600,
            b"MAIL FROM:<" + b"a" * 500 + b"@example.org>",
        ]
    ),
    JUNK,
)

GREETING = st.sampled_from([[b"EHLO client.example"], [b"LHLO client.example"], []])
TRANSACTION = st.just([b"MAIL FROM:<a@x.example>", b"RCPT TO:<bob@example.org>", b"DATA"])
LINES = st.builds(
    lambda greeting, steps: greeting + [line for step in steps for line in step],
    GREETING,
    st.lists(COMMANDS.map(lambda line: [line]) | TRANSACTION, min_size=1, max_size=8),
)

BODY_PIECES = st.sampled_from(
    [
        b"Subject: fuzz\r\n\r\n",
        b"line\r\n",
        b".\r\n.",
        b"..",
        b"\r",
        b"\n",
        b"\n.\n",
        b"\r\n.\n",
        b"\n.\r\n",
        b"\r.\r",
        b"x" * 1200,
        b"\xff\x00",
    ]
)


def body() -> st.SearchStrategy[bytes]:
    """A payload whose only ``CRLF.CRLF`` is the one the client appends (smuggling shapes
    stay in as content)."""

    def safe(raw: bytes) -> bytes:
        while TERMINATOR in b"\r\n" + raw + b"\r\n":
            raw = (b"\r\n" + raw + b"\r\n").replace(TERMINATOR, b"\r\n..\r\n")[2:-2]
        return raw

    return st.lists(BODY_PIECES, max_size=8).map(lambda pieces: safe(b"".join(pieces)))


class Client:
    """A blocking raw SMTP client that checks every reply line's shape."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=TIMEOUT)
        self.buf = b""
        self.greeting = self.reply()

    def line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)  # socket.timeout: the server hung
            if not chunk:
                raise EOFError(self.buf)
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def reply(self) -> int:
        """The code of one reply; every line is checked (RFC 5321 §4.2)."""
        code = None
        while True:
            line = self.line()
            assert REPLY_LINE.match(line), line
            assert code in (None, line[:3]), line  # one code for all lines of a reply
            code = line[:3]
            if line[3:4] == b" ":
                return int(code)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def closed(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except OSError:
            return True

    def quit(self) -> None:
        """QUIT and close (a connection left open would hold up the listener's shutdown)."""
        self.send(b"QUIT\r\n")
        assert self.reply() == 221
        self.sock.close()

    def close(self) -> None:
        self.sock.close()


#: Replies seen by the properties below, by code (a sanity check that DATA was reached).
SEEN: dict[int, int] = {}


def session(port: int, lmtp: bool, lines: list[bytes], bodies: list[bytes]) -> None:
    client = Client(port)
    assert client.greeting == 220
    accepted = 0  # recipients accepted in this transaction (LMTP answers once for each)
    try:
        for number, line in enumerate(lines):
            client.send(line + b"\r\n")
            verb = line[:4].upper()
            code = client.reply()
            SEEN[code] = SEEN.get(code, 0) + 1
            if code in (221, 421):  # QUIT or a closing server: the connection must end
                assert client.closed()
                return
            if verb == b"STAR" and code == 220:
                return  # TLS handshake expected now; not this test's subject
            if verb in (b"MAIL", b"RSET", b"EHLO", b"HELO", b"LHLO") and code == 250:
                accepted = 0  # a new (or no) transaction: RFC 5321 §4.1.4
            if verb == b"RCPT" and code == 250:
                accepted += 1
            if code == 354:
                client.send(bodies[number % len(bodies)] + TERMINATOR)
                for _ in range(accepted if lmtp else 1):
                    assert client.reply() in (250, 451, 452, 500, 550, 552, 554), line
                accepted = 0
        client.send(b"QUIT\r\n")
        assert client.reply() == 221
    finally:
        client.close()


def fresh_client_works(port: int, lmtp: bool) -> None:
    client = Client(port)
    try:
        assert client.greeting == 220
        client.send(b"LHLO ok.example\r\n" if lmtp else b"EHLO ok.example\r\n")
        assert client.reply() == 250
        client.send(b"NOOP\r\n")
        assert client.reply() == 250
        client.quit()
    finally:
        client.close()


@bounded(25)
@given(
    lines=LINES,
    bodies=st.lists(body(), min_size=1, max_size=2),
)
def random_sessions(port: int, lmtp: bool, lines: list[bytes], bodies: list[bytes]) -> None:
    session(port, lmtp, lines, bodies)


@pytest.mark.parametrize("listener", ["smtp", "lmtp", "submission"])
async def test_random_sessions(
    smtp_ports: Ports, listener: str, caplog: pytest.LogCaptureFixture
) -> None:
    port = getattr(smtp_ports, listener)
    lmtp = listener == "lmtp"
    SEEN.clear()
    with no_logged_errors(caplog, "servers.smtp"):
        await asyncio.to_thread(random_sessions, port, lmtp)
        await asyncio.to_thread(fresh_client_works, port, lmtp)
    # the grammar reached every stage: refusals, accepted commands and DATA
    assert SEEN.get(354, 0) > 0 if listener != "submission" else SEEN.get(530, 0) > 0, SEEN
    assert SEEN.get(250, 0) > 0 and any(code >= 500 for code in SEEN), SEEN


async def test_whole_transaction_still_delivers(smtp_ports: Ports) -> None:
    """Sanity of the client above: a plain transaction is 250 at every step."""

    def run() -> list[int]:
        client = Client(smtp_ports.smtp)
        codes = [client.greeting]
        for line in (b"EHLO a.example", b"MAIL FROM:<a@x.example>", b"RCPT TO:<bob@example.org>"):
            client.send(line + b"\r\n")
            codes.append(client.reply())
        client.send(b"DATA\r\n")
        codes.append(client.reply())
        client.send(b"Subject: x\r\n\r\n..dot\r\n" + TERMINATOR[2:])
        codes.append(client.reply())
        client.quit()
        return codes

    assert await asyncio.to_thread(run) == [220, 250, 250, 250, 354, 250]
