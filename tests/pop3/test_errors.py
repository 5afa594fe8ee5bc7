"""Malformed input, limits, timeouts and engine failures: always one ``-ERR`` line, never a
traceback; the session goes on where it can."""

from __future__ import annotations

import asyncio
import dataclasses

from mailstore.store import Store
from tests.conftest import FAST_PASSWORDS
from tests.pop3.helpers import LOGIN, PASSWORD, deliver, make_message


async def test_unknown_command(pop3) -> None:
    def scenario() -> None:
        t = pop3.transcript()
        assert t.command("FOO bar") == b"-ERR unknown command"
        assert t.command("APOP bob 1234") == b"-ERR unknown command"
        assert t.command("") == b"-ERR unknown command"
        assert t.command("CAPA").startswith(b"+OK")  # still going
        t.close()

    await asyncio.to_thread(scenario)


async def test_bad_arguments(pop3) -> None:
    def scenario() -> None:
        t = pop3.transcript()
        t.login()
        assert t.command("RETR") == b"-ERR syntax: RETR msg"
        assert t.command("RETR one") == b"-ERR invalid message number"
        assert t.command("TOP 1") == b"-ERR syntax: TOP msg n"
        assert t.command("STAT 1") == b"-ERR syntax: STAT"
        assert t.command("NOOP") == b"+OK"
        t.close()

    await asyncio.to_thread(scenario)


async def test_commands_in_the_wrong_state(pop3) -> None:
    def scenario() -> None:
        t = pop3.transcript()
        for command in ("STAT", "LIST", "UIDL", "RETR 1", "TOP 1 1", "DELE 1", "NOOP", "RSET"):
            assert t.command(command) == b"-ERR command not valid in this state", command
        t.login()
        for command in (f"USER {LOGIN}", f"PASS {PASSWORD}", "AUTH PLAIN", "STLS"):
            assert t.command(command) == b"-ERR command not valid in this state", command
        t.close()

    await asyncio.to_thread(scenario)


async def test_over_long_line(pop3) -> None:
    def scenario() -> None:
        t = pop3.transcript()
        assert t.command(b"NOOP " + b"x" * 600) == b"-ERR line too long"
        assert t.command(b"USER " + b"x" * 200_000) == b"-ERR line too long"  # discarded
        t.login()
        assert t.command("STAT") == b"+OK 0 0"
        t.close()

    await asyncio.to_thread(scenario)


async def test_too_many_bad_commands_closes(pop3) -> None:
    def scenario() -> None:
        t = pop3.transcript()
        for _ in range(9):
            assert t.command("BOGUS") == b"-ERR unknown command"
        assert t.command("BOGUS") == b"-ERR too many bad commands, closing connection"
        assert t.closed()
        t.close()

    await asyncio.to_thread(scenario)


async def test_idle_timeout(start_pop3) -> None:
    pop3 = await start_pop3(idle_timeout=0.3)
    await deliver(pop3.store, pop3.account, make_message())

    def scenario() -> None:
        t = pop3.transcript()
        t.login()
        assert t.command("DELE 1").startswith(b"+OK")
        assert t.line() == b"-ERR autologout: idle for too long"
        assert t.closed()
        t.close()

    await asyncio.to_thread(scenario)
    await asyncio.sleep(0.1)
    box = await pop3.store.mailboxes.get(pop3.account.id, "INBOX")
    assert box.messages == 1  # RFC 1939 §3: autologout does not enter UPDATE


async def test_database_down_is_sys_temp(start_pop3, server_context, database_url, account) -> None:
    own = await Store.open(database_url, min_size=1, max_size=2, passwords=FAST_PASSWORDS)
    try:
        for i in range(2):
            await deliver(own, account, make_message(f"m{i}"))
        pop3 = await start_pop3(context=dataclasses.replace(server_context, store=own))

        t = await asyncio.to_thread(pop3.transcript)
        await asyncio.to_thread(t.login)
        assert await asyncio.to_thread(t.command, "DELE 1") == b"+OK message 1 deleted"
        other = await asyncio.to_thread(pop3.transcript)
        await own.db.pool.close()  # the database goes away under the sessions

        # the listing and its octet counts were fixed at login: STAT needs no database
        assert (await asyncio.to_thread(t.command, "STAT")).startswith(b"+OK 1 ")
        assert await asyncio.to_thread(t.command, "RETR 2") == (
            b"-ERR [SYS/TEMP] temporary server failure, try again later"
        )
        assert await asyncio.to_thread(t.command, "RETR 1") == b"-ERR message 1 already deleted"
        assert await asyncio.to_thread(t.command, "QUIT") == (
            b"-ERR [SYS/TEMP] some deleted messages not removed"
        )
        assert await asyncio.to_thread(t.closed)
        t.close()

        await asyncio.to_thread(other.command, f"USER {LOGIN}")
        assert await asyncio.to_thread(other.command, f"PASS {PASSWORD}") == (
            b"-ERR [SYS/TEMP] temporary server failure, try again later"
        )
        other.close()
    finally:
        await own.close()
    box = await server_context.store.mailboxes.get(pop3.account.id, "INBOX")
    assert box.messages == 2  # nothing was removed
