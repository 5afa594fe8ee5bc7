"""Shared bits of the SMTP hostile-input tests: a raw session up to DATA, what got stored."""

from __future__ import annotations

from mailstore.store import Store
from tests.smtp.helpers import Transcript, stored

#: A complete second transaction hidden in the payload: it must never become a message.
SMUGGLED = (
    b"MAIL FROM:<admin@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
    b"From: admin@example.org\r\nSubject: smuggled\r\n\r\nsmuggled\r\n"
)
HEADER = b"From: alice@example.com\r\nTo: bob@example.org\r\nSubject: first\r\n\r\nfirst"


async def session(port: int, helo: str = "client.example.net") -> Transcript:
    """A raw session after EHLO."""
    t = await Transcript.open(port)
    assert (await t.command(f"EHLO {helo}")).startswith("250 ")
    return t


async def transaction(port: int, sender: str = "alice@example.com") -> Transcript:
    """A raw session after EHLO, MAIL FROM and RCPT TO bob (not yet DATA)."""
    t = await session(port)
    assert (await t.command(f"MAIL FROM:<{sender}>")).startswith("250 2.1.0")
    assert (await t.command("RCPT TO:<bob@example.org>")).startswith("250 2.1.5")
    return t


async def inbox(store: Store, account_id: int) -> list[bytes]:
    return await stored(store, account_id)


async def queued(store: Store) -> list[tuple[str, list[str]]]:
    """(sender, recipients) of every message in the outbound queue."""
    return [(q.sender, [r.recipient for r in q.recipients]) for q in await store.queue.list()]


async def still_serves(port: int) -> None:
    """Another client gets the full greeting/EHLO/NOOP exchange afterwards."""
    t = await Transcript.open(port)
    try:
        assert t.greeting[0].startswith("220 ")
        assert (await t.command("EHLO other.example.net")).startswith("250 ")
        assert await t.command("NOOP") == "250 2.0.0 OK"
    finally:
        await t.close()
