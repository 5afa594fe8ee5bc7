"""Helpers for POP3 tests: messages, delivery, a raw-socket transcript, poplib clients.

The server runs on the test's event loop, so blocking clients (poplib, raw sockets) run in a
thread: ``await asyncio.to_thread(scenario)``.
"""

from __future__ import annotations

import poplib
import socket
import ssl
from dataclasses import dataclass

from mailstore.store import Account, Store, Target, prepare

HOST = "127.0.0.1"
LOGIN = "bob@example.org"
PASSWORD = "secret"
TIMEOUT = 10.0


def make_message(subject: str = "Hello", body: str = "Hello world\r\n", extra: str = "") -> bytes:
    return (
        f"From: Alice <alice@example.com>\r\nTo: {LOGIN}\r\nSubject: {subject}\r\n"
        f"Date: Mon, 02 Jan 2023 10:00:00 +0000\r\n{extra}\r\n{body}"
    ).encode()


async def deliver(store: Store, account: Account, raw: bytes) -> int:
    """Deliver ``raw`` to the account's INBOX; returns its uid."""
    (stored,) = await store.ingest.deliver(await prepare(raw), [Target(account.id)])
    if isinstance(stored, Exception):
        raise stored
    return stored.uid


@dataclass
class Server:
    """A running POP3 front end (both listeners) over the test database."""

    store: Store
    account: Account
    port: int
    tls_port: int
    services: list

    def client(self) -> poplib.POP3:
        return poplib.POP3(HOST, self.port, timeout=TIMEOUT)

    def login(self) -> poplib.POP3:
        pop = self.client()
        pop.user(LOGIN)
        pop.pass_(PASSWORD)
        return pop

    def transcript(self) -> Transcript:
        return Transcript(self.port)


class Transcript:
    """A raw client socket for malformed input and exact wire checks (blocking)."""

    def __init__(self, port: int, host: str = HOST) -> None:
        self.sock: socket.socket | ssl.SSLSocket = socket.create_connection(
            (host, port), timeout=TIMEOUT
        )
        self._buf = b""
        self.greeting = self.line()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def line(self) -> bytes:
        """One reply line without its CRLF; b"" at end of stream."""
        while b"\r\n" not in self._buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                rest, self._buf = self._buf, b""
                return rest
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\r\n")
        return line

    def command(self, line: bytes | str) -> bytes:
        if isinstance(line, str):
            line = line.encode()
        self.send(line + b"\r\n")
        return self.line()

    def multiline(self) -> list[bytes]:
        """The lines of a multi-line body up to the terminating ".", dot-unstuffed."""
        lines = []
        while (line := self.line()) != b".":
            lines.append(line[1:] if line.startswith(b"..") else line)
        return lines

    def login(self) -> None:
        assert self.command(f"USER {LOGIN}").startswith(b"+OK")
        assert self.command(f"PASS {PASSWORD}").startswith(b"+OK")

    def pending(self, wait: float = 0.3) -> bytes:
        """Whatever the server sends within ``wait`` seconds (b"" if nothing)."""
        if self._buf:
            return self._buf
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

    def rest(self) -> bytes:
        """Everything the server sends until it closes the connection."""
        data, self._buf = self._buf, b""
        try:
            while chunk := self.sock.recv(65536):
                data += chunk
        except ConnectionError:
            pass
        return data

    def closed(self) -> bool:
        """True when the server has closed the connection."""
        try:
            return self.sock.recv(1) == b""
        except (ConnectionError, TimeoutError):
            return True

    def close(self) -> None:
        self.sock.close()
