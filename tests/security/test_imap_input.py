"""Hostile IMAP input: literals too large or too many, deep nesting, endless lines, NUL and
control characters, and malformed mailbox names (RFC 9051 §4.3, §5.1; RFC 7888 §4; RFC 3501
§5.1.3). Exact bytes in, exact response lines out; the session (or, after a BYE, another
client) goes on.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.imap.helpers import status_of

TOO_LONG = b"BAD command too long or too many literals"


def _other_client_works(server) -> None:  # type: ignore[no-untyped-def]
    t = server.transcript(login=True)
    assert status_of(t.command("SELECT INBOX")) == b"OK"
    t.close()


async def test_synchronizing_literal_too_big_gets_no_without_continuation(start_imap):
    server = await start_imap(max_message_size=10_000)

    def scenario():
        t = server.transcript(login=True)
        for size in (10_001, 2**40, 2**63, 10**40):
            t.send(f"a APPEND INBOX {{{size}}}\r\n".encode())
            assert t.line() == b"a NO [TOOBIG] literal too big"
            assert t.pending() == b""  # no "+ " continuation: the client never sends it
        t.ok("NOOP")
        # before login, a few kilobytes at most
        u = server.transcript()
        u.send(b"b LOGIN {9000}\r\n")
        assert u.line() == b"b NO [TOOBIG] literal too big"
        u.send(b"c LOGIN bob@example.org {9000}\r\n")
        assert u.line() == b"c NO [TOOBIG] literal too big"
        u.login()

    await asyncio.to_thread(scenario)


@pytest.mark.parametrize("size", [10_001, 2**40, 10**40])
async def test_non_synchronizing_literal_too_big_gets_bye(start_imap, size):
    """RFC 7888 §4: the client is already sending it; we say why and hang up."""
    server = await start_imap(max_message_size=10_000)

    def scenario():
        t = server.transcript(login=True)
        t.send(f"a APPEND INBOX {{{size}+}}\r\n".encode())
        assert t.line() == b"a BAD [TOOBIG] literal too big"
        assert t.line() == b"* BYE literal too big; closing the connection"
        assert t.closed()
        _other_client_works(server)

    await asyncio.to_thread(scenario)


async def test_too_many_literals_in_one_command(imap):
    def scenario():
        t = imap.transcript(login=True)
        t.send(b"a SEARCH" + b" TEXT {1+}\r\nx" * 1001 + b"\r\n")
        assert t.line() == b"a " + TOO_LONG
        t.ok("NOOP")
        t.ok("SELECT INBOX")
        lines = t.command(b"SEARCH" + b" TEXT {1+}\r\nx" * 50)  # many, within the limit
        assert status_of(lines) == b"OK"

    await asyncio.to_thread(scenario)


NESTED = {
    "search": b"SEARCH " + b"(" * 5000 + b"ALL" + b")" * 5000,
    "search-not": b"SEARCH " + b"NOT " * 5000 + b"ALL",
    "search-or": b"SEARCH " + b"OR ALL " * 5000 + b"ALL",
    "fetch": b"FETCH 1 " + b"(" * 5000 + b"FLAGS" + b")" * 5000,
    "fetch-section": b"FETCH 1 BODY[HEADER.FIELDS " + b"(" * 5000 + b"]",
    "store": b"STORE 1 FLAGS " + b"(" * 5000 + b")" * 5000,
    "id": b"ID " + b"(" * 5000 + b")" * 5000,
    "status": b"STATUS INBOX " + b"(" * 5000 + b")" * 5000,
    "list": b"LIST " + b"(" * 5000 + b")" * 5000 + b' "" *',
    "unclosed": b"FETCH 1 (FLAGS " + b"(" * 20000,
}


@pytest.mark.parametrize("command", NESTED.values(), ids=NESTED.keys())
async def test_deep_nesting_is_bad_not_a_crash(imap, store, account, command):
    from tests.imap.helpers import deliver, make_message

    await deliver(store, account, make_message())

    def scenario():
        t = imap.transcript(login=True)
        t.ok("SELECT INBOX")
        lines = t.command(command)
        assert status_of(lines) in (b"BAD", b"NO"), lines[-1][:200]
        assert all(len(line) < 1000 for line in lines)  # a short error, not an echo
        assert len(t.ok("FETCH 1 FLAGS")) == 1

    await asyncio.to_thread(scenario)


async def test_endless_line_without_crlf(start_imap):
    server = await start_imap(max_line=8192)

    def scenario():
        t = server.transcript(login=True)
        chunk = b"x" * 65536
        t.send(b"a NOOP ")
        for _ in range(160):  # 10 MB, no line end
            t.send(chunk)
        assert t.line() == b"a BAD command too long or too many literals"
        assert t.pending() == b""  # reported once, not per chunk
        t.send(b"\r\n")
        t.ok("NOOP")
        _other_client_works(server)

    await asyncio.to_thread(scenario)


QUOTED_NUL = b"BAD CR, LF and NUL are not allowed in a quoted string"
CONTROL_IN_NAME = b"BAD control characters are not allowed in mailbox names"


def _mutf7(octet: int) -> bytes:
    return b"BAD bad mailbox name: octet 0x%02x not allowed in a modified UTF-7 name" % octet


#: Raw command bytes (after login) -> exact tagged response (without the tag).
CONTROL = {
    b"NO\x00OP": b"BAD unknown command NO",  # the NUL is never echoed
    b"NOOP\x00": b"BAD unexpected text after the command at '\\x00'",
    b'SELECT "IN\x00BOX"': QUOTED_NUL,
    b'LOGIN "bob@example.org\x00" secret': QUOTED_NUL,
    b'CREATE "a\x01b"': _mutf7(1),
    b'CREATE "a\x1b[2Jb"': _mutf7(0x1B),
    b'CREATE "a\x7fb"': _mutf7(0x7F),
    b"CREATE a\rb": b"BAD unexpected text after the command at '\\rb'",
}
#: The same under UTF8=ACCEPT (RFC 6855), where names are UTF-8, not modified UTF-7.
CONTROL_UTF8 = {
    b'CREATE "a\x01b"': CONTROL_IN_NAME,
    b'CREATE "a\x1b[2Jb"': CONTROL_IN_NAME,
    b'CREATE "a\x7fb"': CONTROL_IN_NAME,
    b'CREATE "a\xc2\x85b"': CONTROL_IN_NAME,  # U+0085, a C1 control
    b'CREATE "a\xffb"': b"BAD mailbox name is not valid UTF-8",
    b'SELECT "IN\x00BOX"': QUOTED_NUL,
}


async def test_nul_and_control_characters(imap):
    def scenario():
        t = imap.transcript(login=True)
        got = {command: t.command(command)[-1].split(b" ", 1)[1] for command in CONTROL}
        assert got == CONTROL
        t.ok("ENABLE UTF8=ACCEPT")
        got = {command: t.command(command)[-1].split(b" ", 1)[1] for command in CONTROL_UTF8}
        assert got == CONTROL_UTF8
        listing = t.ok('LIST "" *')
        names = [line.rsplit(b" ", 1)[-1].strip(b'"') for line in listing]
        assert not [name for name in names if name.startswith(b"a")]  # nothing was created
        _other_client_works(imap)

    await asyncio.to_thread(scenario)
