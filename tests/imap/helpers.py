"""Helpers for IMAP tests: messages, delivery, clients, and a raw-socket transcript.

The server runs on the test's event loop, so blocking clients (imaplib, imapclient, raw
sockets) run in a thread: ``await asyncio.to_thread(scenario)``.
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from imapclient import IMAPClient

from mailstore.store import Account, Store, Stored, Target, prepare

HOST = "127.0.0.1"
LOGIN = "bob@example.org"
PASSWORD = "secret"
TIMEOUT = 10.0

_LITERAL = re.compile(rb"\{(\d+)\}$")


def make_message(
    subject: str = "Hello",
    body: str = "Hello world\r\n",
    *,
    sender: str = "Alice <alice@example.com>",
    to: str = LOGIN,
    date: str = "Mon, 02 Jan 2023 10:00:00 +0000",
    extra: str = "",
) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n{extra}\r\n{body}"
    ).encode()


async def deliver(
    store: Store,
    account: Account,
    raw: bytes,
    *,
    mailbox: str = "INBOX",
    flags: Sequence[str] = (),
    internal_date: datetime | None = None,
) -> int:
    """Store ``raw`` through the engine (as another process would); returns its uid."""
    target = Target(account.id, mailbox, tuple(flags), fallback_to_inbox=False)
    (stored,) = await store.ingest.deliver(await prepare(raw, internal_date), [target])
    assert isinstance(stored, Stored), stored
    return stored.uid


async def deliver_many(store: Store, account: Account, count: int) -> list[int]:
    """``count`` small messages "Message 1".."Message n" into INBOX."""
    return [
        await deliver(store, account, make_message(f"Message {i}", f"Body {i}\r\n"))
        for i in range(1, count + 1)
    ]


@dataclass
class Server:
    """A running IMAP front end (both listeners) over the test database."""

    store: Store
    account: Account
    port: int
    tls_port: int
    services: list

    def client(self) -> imaplib.IMAP4:
        return imaplib.IMAP4(HOST, self.port, timeout=TIMEOUT)

    def login(self) -> imaplib.IMAP4:
        client = self.client()
        client.login(LOGIN, PASSWORD)
        return client

    def imapclient(self, *, login: bool = True) -> IMAPClient:
        client = IMAPClient(HOST, self.port, ssl=False, timeout=TIMEOUT)
        if login:
            client.login(LOGIN, PASSWORD)
        return client

    def transcript(self, *, login: bool = False) -> Transcript:
        transcript = Transcript(self.port)
        if login:
            transcript.login()
        return transcript


class Transcript:
    """A raw client socket for malformed input and exact wire checks (blocking)."""

    def __init__(self, port: int, host: str = HOST) -> None:
        self.sock: socket.socket | ssl.SSLSocket = socket.create_connection(
            (host, port), timeout=TIMEOUT
        )
        self._buf = b""
        self._tags = 0
        self.greeting = self.line()

    def send(self, data: bytes | str) -> None:
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def line(self) -> bytes:
        """One response line without its CRLF, literals spliced in; b"" at end of stream."""
        out = b""
        while True:
            raw = self._raw_line()
            out += raw
            match = _LITERAL.search(raw)
            if match is None:
                return out
            out += b"\r\n" + self._read(int(match.group(1)))

    def _raw_line(self) -> bytes:
        while b"\r\n" not in self._buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                rest, self._buf = self._buf, b""
                return rest
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\r\n")
        return line

    def _read(self, count: int) -> bytes:
        while len(self._buf) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self._buf += chunk
        data, self._buf = self._buf[:count], self._buf[count:]
        return data

    def tag(self) -> str:
        self._tags += 1
        return f"t{self._tags}"

    def command(self, text: bytes | str) -> list[bytes]:
        """Send ``<tag> text`` and return every line up to and including the tagged one."""
        tag = self.tag()
        data = text.encode() if isinstance(text, str) else text
        self.send(tag.encode() + b" " + data + b"\r\n")
        return self.until(tag)

    def until(self, tag: str) -> list[bytes]:
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if line.startswith(tag.encode() + b" ") or not line:
                return lines

    def ok(self, text: bytes | str) -> list[bytes]:
        """``command`` that must end in a tagged OK; returns the untagged lines."""
        lines = self.command(text)
        assert lines[-1].split(b" ")[1] == b"OK", lines
        return lines[:-1]

    def login(self) -> None:
        self.ok(f"LOGIN {LOGIN} {PASSWORD}")

    def pending(self, wait: float = 0.3) -> bytes:
        """Whatever the server sends within ``wait`` seconds (b"" if nothing)."""
        if self._buf:
            data, self._buf = self._buf, b""
            return data
        self.sock.settimeout(wait)
        try:
            return self.sock.recv(65536)
        except TimeoutError:
            return b""
        finally:
            self.sock.settimeout(TIMEOUT)

    def start_tls(self, context: ssl.SSLContext) -> None:
        assert not self._buf, "server sent data before the TLS handshake"
        self.sock = context.wrap_socket(self.sock, server_hostname="localhost")

    def closed(self) -> bool:
        """True when the server has closed the connection (after what is still buffered)."""
        try:
            while self.sock.recv(65536):
                pass
            return True
        except TimeoutError:
            return False
        except OSError:  # reset
            return True

    def close(self) -> None:
        self.sock.close()


def status_of(lines: list[bytes]) -> bytes:
    """The status word of the tagged line: b"OK", b"NO" or b"BAD"."""
    return lines[-1].split(b" ")[1]
