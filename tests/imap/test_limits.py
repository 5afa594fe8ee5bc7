"""Limits and bad input: the server answers BAD/NO with the right code and stays up."""

from __future__ import annotations

import asyncio
import logging

from servers.imap import dispatch
from tests.imap.helpers import LOGIN, PASSWORD, status_of


async def test_garbage_gets_bad_and_the_session_goes_on(imap):
    def scenario():
        t = imap.transcript()
        t.send(b"\r\n")
        assert t.line().startswith(b"* BAD")
        assert t.command("FROB")[-1].startswith(b"t1 BAD")
        assert t.command("SELECT")[-1].startswith(b"t2 BAD")
        assert t.command('LOGIN "unterminated')[-1].startswith(b"t3 BAD")
        t.send(b"+tag NOOP\r\n")  # "+" cannot start a tag
        assert t.line().startswith(b"* BAD")
        t.send(b"\x00\xff\xfe garbage\r\n")
        assert t.line().startswith(b"* BAD")
        t.login()
        assert t.command("FETCH 1 FLAGS")[-1] == b"t5 BAD FETCH needs a selected mailbox"
        assert t.command("LOGIN a b")[-1].startswith(b"t6 BAD")  # wrong state
        t.ok("SELECT INBOX")
        assert status_of(t.command("ENABLE CONDSTORE")) == b"BAD"  # not in the selected state
        assert status_of(t.command("FETCH 5 FLAGS")) == b"BAD"  # no message 5
        assert status_of(t.command("SEARCH CHARSET KOI8-R TEXT x")).startswith(b"NO")
        assert b"[BADCHARSET" in t.command("SEARCH CHARSET KOI8-R TEXT x")[-1]

    await asyncio.to_thread(scenario)


async def test_too_many_bad_commands_end_the_connection(start_imap):
    server = await start_imap(max_bad_commands=3)

    def scenario():
        t = server.transcript()
        for _ in range(2):
            assert status_of(t.command("FROB")) == b"BAD"
        t.send(b"x FROB\r\n")
        assert t.line().startswith(b"x BAD")
        assert t.line().startswith(b"* BYE")
        assert t.closed()

    await asyncio.to_thread(scenario)


async def test_line_too_long(start_imap):
    server = await start_imap(max_line=1000)

    def scenario():
        t = server.transcript(login=True)
        assert t.command("NOOP " + "x" * 5000)[-1].startswith(b"t2 BAD")
        t.ok("NOOP")
        t.send(b"y " + b"z" * 3000)  # no line end yet: refused as soon as it passes the limit
        assert t.line().startswith(b"y BAD")
        t.send(b"\r\n")
        t.ok("NOOP")

    await asyncio.to_thread(scenario)


async def test_literal_too_big_is_refused_before_it_is_sent(start_imap):
    server = await start_imap(max_message_size=1000)

    def scenario():
        t = server.transcript(login=True)
        t.send(b"a APPEND INBOX {5000}\r\n")
        assert t.line() == b"a NO [TOOBIG] literal too big"  # no "+": the client never sends it
        t.send(b"b APPEND INBOX {5000+}\r\n" + b"x" * 5000 + b"\r\n")
        assert t.line().startswith(b"b BAD [TOOBIG]")  # LITERAL+: refused, then BYE (RFC 7888 §4)
        assert t.line().startswith(b"* BYE")
        server.transcript(login=True).ok("NOOP")
        # before login, literals are limited to a few kilobytes
        u = server.transcript()
        u.send(b"c LOGIN {20000}\r\n")
        assert u.line().startswith(b"c NO [TOOBIG]")

    await asyncio.to_thread(scenario)


async def test_pipelined_commands_are_answered_in_order(imap):
    def scenario():
        t = imap.transcript()
        t.send(f"a LOGIN {LOGIN} {PASSWORD}\r\nb SELECT INBOX\r\nc NOOP\r\nd BOGUS\r\ne LOGOUT\r\n")
        tags = [line.split(b" ")[0] for line in iter(t.line, b"") if not line.startswith(b"*")]
        assert tags == [b"a", b"b", b"c", b"d", b"e"]

    await asyncio.to_thread(scenario)


async def test_a_bug_is_serverbug_and_a_log_line(imap, monkeypatch, caplog):
    async def broken(session, command):
        raise RuntimeError("boom")

    monkeypatch.setitem(dispatch.TABLE, "NAMESPACE", dispatch.Entry(broken, dispatch.AUTHENTICATED))

    def scenario():
        t = imap.transcript(login=True)
        assert t.command("NAMESPACE")[-1] == b"t2 NO [SERVERBUG] internal server error"
        t.ok("NOOP")

    await asyncio.to_thread(scenario)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "NAMESPACE failed" in errors[0].getMessage()
    assert "boom" not in "".join(errors[0].getMessage())
    caplog.clear()  # expected: the autouse fixture checks for unexpected errors


async def test_connection_limit(start_imap):
    server = await start_imap(max_connections=1)

    def scenario():
        first = server.transcript()
        second = server.transcript()
        assert second.greeting.startswith(b"* BYE")
        assert second.closed()
        first.ok("NOOP")

    await asyncio.to_thread(scenario)
