"""TRANSACTION-state commands: STAT, LIST, UIDL, RETR, TOP, DELE, NOOP, RSET (RFC 1939 §5, §7).

Octet counts are those of the message as RETR sends it before dot-stuffing (RFC 1939 §5,
``servers.pop3.wire``). Numbers out of range or marked deleted get ``-ERR`` (raised by
``Listing.get``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from servers.pop3.parse import Dele, List, Noop, Retr, Rset, Stat, Top, Uidl
from servers.pop3.replies import ok
from servers.pop3.state import Transaction
from servers.pop3.wire import multiline
from servers.pop3.wire import top as top_of

if TYPE_CHECKING:
    from servers.pop3.session import Session


async def stat(session: Session, state: Transaction, command: Stat) -> None:
    """STAT (RFC 1939 §5). States: TRANSACTION. Deleted messages are not counted."""
    numbers = [n for n, _ in state.maildrop.listing.live()]
    octets = await state.maildrop.octets(numbers)
    await session.reply(ok(f"{len(numbers)} {sum(octets)}"))


async def list_(session: Session, state: Transaction, command: List) -> None:
    """LIST [msg] (RFC 1939 §5). States: TRANSACTION."""
    drop = state.maildrop
    if command.msg is not None:
        drop.listing.get(command.msg)
        (octets,) = await drop.octets([command.msg])
        await session.reply(ok(f"{command.msg} {octets}"))
        return
    numbers = [n for n, _ in drop.listing.live()]
    sizes = await drop.octets(numbers)
    lines = [f"{n} {size}" for n, size in zip(numbers, sizes, strict=True)]
    await session.reply_lines(ok(f"{len(numbers)} messages ({sum(sizes)} octets)"), lines)


async def uidl(session: Session, state: Transaction, command: Uidl) -> None:
    """UIDL [msg] (RFC 1939 §7). States: TRANSACTION."""
    listing = state.maildrop.listing
    if command.msg is not None:
        listing.get(command.msg)
        await session.reply(ok(f"{command.msg} {listing.unique_id(command.msg)}"))
        return
    lines = [f"{n} {listing.unique_id(n)}" for n, _ in listing.live()]
    await session.reply_lines(ok("unique-id listing follows"), lines)


async def retr(session: Session, state: Transaction, command: Retr) -> None:
    """RETR msg (RFC 1939 §5). States: TRANSACTION. Marks the message \\Seen (batched)."""
    data = await state.maildrop.body(command.msg)
    await session.conn.send(ok(f"{len(data)} octets").encode(), multiline(data))
    await state.maildrop.retrieved(command.msg)


async def top(session: Session, state: Transaction, command: Top) -> None:
    """TOP msg n (RFC 1939 §7). States: TRANSACTION. Does not mark \\Seen."""
    data = await state.maildrop.body(command.msg)
    part = top_of(data, command.lines)
    await session.conn.send(ok("top of message follows").encode(), multiline(part))


async def dele(session: Session, state: Transaction, command: Dele) -> None:
    """DELE msg (RFC 1939 §5). States: TRANSACTION. Only marks; QUIT removes."""
    state.maildrop.listing.delete(command.msg)
    await session.reply(ok(f"message {command.msg} deleted"))


async def noop(session: Session, state: Transaction, command: Noop) -> None:
    """NOOP (RFC 1939 §5). States: TRANSACTION."""
    await session.reply(ok())


async def rset(session: Session, state: Transaction, command: Rset) -> None:
    """RSET (RFC 1939 §5). States: TRANSACTION. Unmarks every message marked deleted."""
    listing = state.maildrop.listing
    listing.reset()
    await session.reply(ok(f"maildrop has {len(listing)} messages"))
