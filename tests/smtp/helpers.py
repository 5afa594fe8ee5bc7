"""Helpers for SMTP tests: a raw transcript client, smtplib in a thread, reading mail back."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from mailstore.store import Store

HOST = "127.0.0.1"
T = TypeVar("T")


@dataclass(frozen=True)
class Ports:
    smtp: int
    submission: int
    submissions: int
    lmtp: int


class Transcript:
    """A raw client over a real socket, for malformed, pipelined and smuggling input."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer
        self.greeting: list[str] = []

    @classmethod
    async def open(cls, port: int, tls: ssl.SSLContext | None = None) -> Transcript:
        reader, writer = await asyncio.open_connection(
            HOST, port, ssl=tls, server_hostname="localhost" if tls else None
        )
        t = cls(reader, writer)
        t.greeting = await t.reply()
        return t

    async def reply(self, wait: float = 20) -> list[str]:
        """The lines of one (possibly multi-line) reply."""
        lines = []
        while True:
            line = await asyncio.wait_for(self.reader.readline(), wait)
            if not line:
                raise ConnectionError(f"connection closed; got {lines}")
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                return lines

    async def replies(self, count: int) -> list[str]:
        """The last line of each of the next ``count`` replies."""
        return [(await self.reply())[-1] for _ in range(count)]

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def command(self, line: str | bytes) -> str:
        """Send one command line; the last line of its reply."""
        data = line.encode() if isinstance(line, str) else line
        await self.send(data + b"\r\n")
        return (await self.reply())[-1]

    async def starttls(self, tls: ssl.SSLContext) -> None:
        await self.writer.start_tls(tls, server_hostname="localhost")

    async def at_eof(self, wait: float = 10) -> bool:
        data = await asyncio.wait_for(self.reader.read(), wait)
        return data == b""

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, ssl.SSLError):
            pass


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """smtplib blocks: run it off the event loop that runs the server."""
    return await asyncio.to_thread(fn, *args)


def smtp_client(port: int, **kwargs: Any) -> smtplib.SMTP:
    return smtplib.SMTP(HOST, port, local_hostname="client.example.net", timeout=30, **kwargs)


def message(
    subject: str = "Hello",
    body: str = "Hello world\r\n",
    sender: str = "alice@example.com",
    to: str = "bob@example.org",
    extra: str = "",
) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: Mon, 02 Jan 2023 10:00:00 +0000\r\nMessage-ID: <{subject.replace(' ', '.')}@t>\r\n"
        f"{extra}\r\n{body}"
    ).encode()


async def stored(store: Store, account_id: int, mailbox: str = "INBOX") -> list[bytes]:
    """Raw bytes of every message in the mailbox, in uid order."""
    box = await store.mailboxes.get(account_id, mailbox)
    return [
        await store.messages.body(account_id, box.id, uid)
        for uid in await store.messages.uids(account_id, box.id)
    ]


def split_trace(raw: bytes, names: tuple[bytes, ...] = (b"received",)) -> tuple[bytes, bytes]:
    """(the leading fields called ``names`` that we added, the rest: what the client sent)."""
    pos = 0
    while True:
        name = raw[pos:].split(b":", 1)[0].lower()
        if name not in names:
            return raw[:pos], raw[pos:]
        end = raw.index(b"\r\n", pos) + 2
        while raw[end : end + 1] in (b" ", b"\t"):
            end = raw.index(b"\r\n", end) + 2
        pos = end
