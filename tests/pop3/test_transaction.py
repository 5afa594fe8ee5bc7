"""TRANSACTION state: STAT LIST UIDL TOP RETR DELE NOOP RSET with poplib, sizes included."""

from __future__ import annotations

import asyncio
import poplib

import pytest

from servers.pop3.wire import to_crlf
from tests.pop3.helpers import deliver, make_message

BARE_LF = b"From: a@example.com\nSubject: bare LF\n\nline one\nline two\n"
DOTS = make_message("dots", ".starts with a dot\r\n..two dots\r\n.\r\nend\r\n")
EIGHT_BIT = b"Subject: 8bit\r\nContent-Type: text/plain; charset=latin-1\r\n\r\ncaf\xe9 \xff\xfe\r\n\xc3\xa9\r\n"
NO_FINAL_NEWLINE = b"Subject: unterminated\r\n\r\nlast line"
BARE_CR = b"Subject: old mac\r\rline\r"
ODD = [BARE_LF, DOTS, EIGHT_BIT, NO_FINAL_NEWLINE, BARE_CR]


def error(call, *args) -> bytes:
    with pytest.raises(poplib.error_proto) as info:
        call(*args)
    return info.value.args[0]


async def test_list_sizes_equal_retr_octets(pop3) -> None:
    for raw in ODD:
        await deliver(pop3.store, pop3.account, raw)

    def scenario() -> None:
        pop = pop3.login()
        _, listing, _ = pop.list()
        sizes = [int(line.split()[1]) for line in listing]
        assert pop.stat() == (len(ODD), sum(sizes))
        for number, raw in enumerate(ODD, 1):
            resp, lines, octets = pop.retr(number)
            assert octets == sizes[number - 1] == len(to_crlf(raw))
            assert resp == f"+OK {octets} octets".encode()
            assert b"".join(line + b"\r\n" for line in lines) == to_crlf(raw)
            assert pop.list(number) == f"+OK {number} {octets}".encode()
        pop.quit()

    await asyncio.to_thread(scenario)


async def test_sizes_known_after_retr_and_in_later_sessions(pop3) -> None:
    await deliver(pop3.store, pop3.account, BARE_LF)

    def scenario() -> None:
        pop = pop3.login()
        _, _, octets = pop.retr(1)  # the count is learned from the body here ...
        assert pop.list(1) == f"+OK 1 {octets}".encode()
        pop.quit()
        pop = pop3.login()  # ... and cached for the next session
        assert pop.stat() == (1, octets)
        pop.quit()

    await asyncio.to_thread(scenario)


async def test_retr_sends_dot_stuffed_lines(pop3) -> None:
    await deliver(pop3.store, pop3.account, DOTS)

    def scenario() -> None:
        t = pop3.transcript()
        t.login()
        assert t.command("RETR 1").startswith(b"+OK")
        raw_lines = []
        while (line := t.line()) != b".":
            raw_lines.append(line)
        assert b"..starts with a dot" in raw_lines
        assert b"...two dots" in raw_lines
        assert b".." in raw_lines
        t.close()

    await asyncio.to_thread(scenario)


async def test_top(pop3) -> None:
    await deliver(pop3.store, pop3.account, make_message("top", "1\r\n2\r\n.3\r\n4\r\n5\r\n"))

    def scenario() -> None:
        pop = pop3.login()
        _, lines, _ = pop.top(1, 3)
        blank = lines.index(b"")
        assert lines[:blank][2] == b"Subject: top"
        assert lines[blank + 1 :] == [b"1", b"2", b".3"]
        _, lines, _ = pop.top(1, 0)
        assert lines[-1] == b"" and b"1" not in lines
        _, lines, _ = pop.top(1, 100)
        assert lines[-5:] == [b"1", b"2", b".3", b"4", b"5"]
        pop.quit()

    await asyncio.to_thread(scenario)


async def test_uidl(pop3) -> None:
    uids = [await deliver(pop3.store, pop3.account, make_message(f"m{i}")) for i in range(3)]
    box = await pop3.store.mailboxes.get(pop3.account.id, "INBOX")

    def scenario() -> None:
        pop = pop3.login()
        _, lines, _ = pop.uidl()
        expected = [f"{n} {box.uidvalidity}.{uid}".encode() for n, uid in enumerate(uids, 1)]
        assert lines == expected
        assert pop.uidl(2) == b"+OK " + expected[1]
        pop.quit()

    await asyncio.to_thread(scenario)


async def test_dele_rset_noop_and_deleted_messages(pop3) -> None:
    for i in range(3):
        await deliver(pop3.store, pop3.account, make_message(f"m{i}"))

    def scenario() -> None:
        pop = pop3.login()
        count, size = pop.stat()
        one = int(pop.list(2).split()[2])
        assert pop.dele(2) == b"+OK message 2 deleted"
        assert pop.stat() == (count - 1, size - one)
        _, lines, _ = pop.list()
        assert [line.split()[0] for line in lines] == [b"1", b"3"]
        _, lines, _ = pop.uidl()
        assert [line.split()[0] for line in lines] == [b"1", b"3"]
        deleted = b"-ERR message 2 already deleted"
        assert error(pop.retr, 2) == deleted
        assert error(pop.top, 2, 0) == deleted
        assert error(pop.list, 2) == deleted
        assert error(pop.uidl, 2) == deleted
        assert error(pop.dele, 2) == deleted
        assert pop.noop() == b"+OK"
        assert pop.rset().startswith(b"+OK")
        assert pop.stat() == (count, size)
        pop.retr(2)
        pop.quit()

    await asyncio.to_thread(scenario)


async def test_out_of_range(pop3) -> None:
    await deliver(pop3.store, pop3.account, make_message())

    def scenario() -> None:
        pop = pop3.login()
        for number in (0, 2, 99999):
            assert error(pop.retr, number) == b"-ERR no such message"
            assert error(pop.list, number) == b"-ERR no such message"
            assert error(pop.uidl, number) == b"-ERR no such message"
            assert error(pop.dele, number) == b"-ERR no such message"
            assert error(pop.top, number, 1) == b"-ERR no such message"
        assert pop.stat() == (1, pop.stat()[1])
        pop.quit()

    await asyncio.to_thread(scenario)


async def test_empty_maildrop(pop3) -> None:
    def scenario() -> None:
        pop = pop3.login()
        assert pop.stat() == (0, 0)
        assert pop.list()[1] == []
        assert pop.uidl()[1] == []
        pop.quit()

    await asyncio.to_thread(scenario)


async def test_message_list_fixed_at_login(pop3) -> None:
    await deliver(pop3.store, pop3.account, make_message("first"))
    pop = await asyncio.to_thread(pop3.login)
    await deliver(pop3.store, pop3.account, make_message("second"))
    assert (await asyncio.to_thread(pop.stat))[0] == 1
    assert await asyncio.to_thread(error, pop.retr, 2) == b"-ERR no such message"
    await asyncio.to_thread(pop.quit)
    pop = await asyncio.to_thread(pop3.login)
    assert (await asyncio.to_thread(pop.stat))[0] == 2
    await asyncio.to_thread(pop.quit)


async def test_message_expunged_elsewhere(pop3) -> None:
    uid = await deliver(pop3.store, pop3.account, make_message("gone"))
    await deliver(pop3.store, pop3.account, make_message("stays"))
    box = await pop3.store.mailboxes.get(pop3.account.id, "INBOX")
    pop = await asyncio.to_thread(pop3.login)
    await pop3.store.messages.remove(pop3.account.id, box.id, [uid])  # an IMAP client's EXPUNGE
    assert await asyncio.to_thread(error, pop.retr, 1) == b"-ERR message no longer exists"
    assert (await asyncio.to_thread(pop.retr, 2))[0].startswith(b"+OK")
    await asyncio.to_thread(pop.dele, 1)
    assert (await asyncio.to_thread(pop.quit)).startswith(b"+OK")


async def test_pipelining(pop3) -> None:
    await deliver(pop3.store, pop3.account, make_message())

    def scenario() -> None:
        t = pop3.transcript()
        t.send(b"USER bob@example.org\r\nPASS secret\r\nSTAT\r\nUIDL 1\r\nQUIT\r\n")
        replies = [t.line() for _ in range(5)]
        assert all(r.startswith(b"+OK") for r in replies), replies
        assert replies[2].startswith(b"+OK 1 ")
        assert t.closed()
        t.close()

    await asyncio.to_thread(scenario)
