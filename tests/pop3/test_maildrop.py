"""The fixed message list, locks and size cache (pure), and the batched body reads."""

from __future__ import annotations

import asyncio

import pytest

from servers.pop3 import backend
from servers.pop3.maildrop import (
    Listing,
    MaildropLocks,
    Message,
    MessageDeleted,
    NoSuchMessage,
    SizeCache,
)
from servers.pop3.wire import to_crlf
from tests.pop3.helpers import deliver, make_message


def test_listing() -> None:
    listing = Listing(7, [Message(10, 100, False), Message(12, 200, True), Message(15, 50, False)])
    assert listing.unique_id(2) == "7.12"
    assert listing.seen == {2}
    listing.delete(2)
    assert [n for n, _ in listing.live()] == [1, 3]
    assert listing.deleted_uids() == [12]
    with pytest.raises(MessageDeleted):
        listing.get(2)
    with pytest.raises(MessageDeleted):
        listing.delete(2)
    for number in (0, 4, -1):
        with pytest.raises(NoSuchMessage):
            listing.get(number)
    listing.reset()
    assert listing.get(2).uid == 12
    assert listing.unknown_octets([1, 2]) == [1, 2]
    listing.set_octets(1, 103)
    assert listing.unknown_octets([1, 2]) == [2]


def test_locks() -> None:
    locks = MaildropLocks()
    assert locks.acquire(1)
    assert not locks.acquire(1)
    assert locks.acquire(2)
    locks.release(1)
    assert locks.acquire(1)


def test_size_cache_is_bounded() -> None:
    cache = SizeCache(capacity=2)
    cache.put((1, 1, 1, 1), 10)
    cache.put((1, 1, 1, 2), 20)
    assert cache.get((1, 1, 1, 1)) == 10  # now the most recent
    cache.put((1, 1, 1, 3), 30)
    assert cache.get((1, 1, 1, 2)) is None
    assert cache.get((1, 1, 1, 1)) == 10


async def test_batched_reads_cross_deletions(pop3, monkeypatch) -> None:
    monkeypatch.setattr(backend, "READAHEAD_COUNT", 3)
    monkeypatch.setattr(backend, "COUNT_BATCH", 2)
    raws = [
        make_message(f"m{i}", f"body {i}\n" * (i + 1)).replace(b"\r\n", b"\n") for i in range(8)
    ]
    for raw in raws:
        await deliver(pop3.store, pop3.account, raw)

    def scenario() -> None:
        pop = pop3.login()
        pop.dele(2)
        pop.dele(5)
        _, listing, _ = pop.list()
        sizes = {int(n): int(s) for n, s in (line.split() for line in listing)}
        assert sorted(sizes) == [1, 3, 4, 6, 7, 8]
        for number in (8, 1, 3, 4, 6, 7):  # out of order, too
            _, lines, octets = pop.retr(number)
            assert octets == sizes[number] == len(to_crlf(raws[number - 1]))
            assert b"".join(line + b"\r\n" for line in lines) == to_crlf(raws[number - 1])
        pop.quit()

    await asyncio.to_thread(scenario)
