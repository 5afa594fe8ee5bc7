"""AUTHORIZATION state: USER/PASS, AUTH PLAIN (RFC 5034), CAPA, the plaintext policy, the
IN-USE lock and the failed-login throttle, end to end on loopback."""

from __future__ import annotations

import asyncio
import base64
import poplib

import pytest

from servers.common.throttle import AuthThrottle
from servers.pop3.settings import plaintext_allowed
from tests.pop3.helpers import HOST, LOGIN, PASSWORD, deliver, make_message


def plain(authcid: str = LOGIN, password: str = PASSWORD, authzid: str = "") -> str:
    return base64.b64encode(f"{authzid}\0{authcid}\0{password}".encode()).decode()


async def test_user_pass(pop3) -> None:
    await deliver(pop3.store, pop3.account, make_message())

    def scenario() -> None:
        pop = pop3.client()
        assert pop.getwelcome().startswith(b"+OK")
        assert pop.user(LOGIN).startswith(b"+OK")
        assert pop.pass_(PASSWORD).startswith(b"+OK")
        assert pop.stat()[0] == 1
        assert pop.quit().startswith(b"+OK")

    await asyncio.to_thread(scenario)


async def test_capa(pop3) -> None:
    def scenario() -> None:
        pop = pop3.client()
        before = pop.capa()
        for cap in ("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER", "STLS"):
            assert cap in before
        assert before["SASL"] == ["PLAIN"]
        assert before["IMPLEMENTATION"] == ["mailstore"]
        pop.user(LOGIN)
        pop.pass_(PASSWORD)
        assert pop.capa() == before  # RFC 2449 §5: the same in both states
        pop.quit()

    await asyncio.to_thread(scenario)


@pytest.mark.parametrize(("login", "password"), [(LOGIN, "wrong"), ("nobody@example.org", "x")])
async def test_bad_credentials(pop3, login: str, password: str) -> None:
    def scenario() -> None:
        pop = pop3.client()
        pop.user(login)  # always +OK: USER never tells who exists
        with pytest.raises(poplib.error_proto) as info:
            pop.pass_(password)
        assert info.value.args[0] == b"-ERR [AUTH] invalid login or password"
        pop.user(LOGIN)  # still in AUTHORIZATION
        pop.pass_(PASSWORD)
        pop.quit()

    await asyncio.to_thread(scenario)


async def test_pass_without_user(pop3) -> None:
    def scenario() -> None:
        t = pop3.transcript()
        assert t.command("PASS secret") == b"-ERR send USER first"
        t.command(f"USER {LOGIN}")
        assert t.command("PASS wrong").startswith(b"-ERR [AUTH]")
        assert t.command(f"PASS {PASSWORD}") == b"-ERR send USER first"  # the USER is used up
        t.close()

    await asyncio.to_thread(scenario)


async def test_auth_plain_initial_response(pop3) -> None:
    def scenario() -> None:
        t = pop3.transcript()
        assert t.command(f"AUTH PLAIN {plain()}").startswith(b"+OK")
        assert t.command("STAT") == b"+OK 0 0"
        t.close()

    await asyncio.to_thread(scenario)


async def test_auth_plain_continuation(pop3) -> None:
    def scenario() -> None:
        t = pop3.transcript()
        assert t.command("AUTH PLAIN") == b"+ "  # RFC 5034 §4: empty challenge
        assert t.command(plain()).startswith(b"+OK")
        assert t.command("STAT") == b"+OK 0 0"
        t.close()

    await asyncio.to_thread(scenario)


async def test_auth_plain_failures(pop3) -> None:
    def scenario() -> None:
        t = pop3.transcript()
        assert t.command("AUTH PLAIN") == b"+ "
        assert t.command("*") == b"-ERR authentication cancelled"
        assert t.command("AUTH PLAIN =") == b"-ERR malformed SASL PLAIN response"
        assert t.command("AUTH PLAIN !!notbase64") == b"-ERR malformed SASL PLAIN response"
        assert t.command(f"AUTH PLAIN {plain(password='bad')}").startswith(b"-ERR [AUTH]")
        other = plain(authzid="alice@example.org")
        assert t.command(f"AUTH PLAIN {other}").startswith(b"-ERR [AUTH]")
        assert t.command("AUTH CRAM-MD5") == b"-ERR unsupported authentication mechanism"
        assert t.command(f"AUTH PLAIN {plain(authzid=LOGIN)}").startswith(b"+OK")  # authzid=self
        t.close()

    await asyncio.to_thread(scenario)


async def test_auth_lists_mechanisms(pop3) -> None:
    def scenario() -> None:
        t = pop3.transcript()
        assert t.command("AUTH").startswith(b"+OK")
        assert t.multiline() == [b"PLAIN"]
        t.close()

    await asyncio.to_thread(scenario)


def test_plaintext_policy() -> None:
    assert plaintext_allowed(False, "127.0.0.1", True)
    assert plaintext_allowed(False, "::1", True)
    assert plaintext_allowed(False, "::ffff:127.0.0.1", True)
    assert not plaintext_allowed(False, "192.0.2.1", True)
    assert not plaintext_allowed(False, "2001:db8::1", True)
    assert not plaintext_allowed(False, None, True)
    assert not plaintext_allowed(False, "127.0.0.1", False)
    assert plaintext_allowed(True, "192.0.2.1", False)


async def test_plaintext_refused_without_tls(start_pop3, client_tls) -> None:
    pop3 = await start_pop3(plaintext_on_loopback=False)

    def scenario() -> None:
        t = pop3.transcript()
        assert t.command("CAPA").startswith(b"+OK")
        caps = t.multiline()
        assert b"STLS" in caps
        assert b"USER" not in caps
        assert not any(c.startswith(b"SASL") for c in caps)
        refused = b"-ERR [AUTH] plaintext authentication disallowed"
        assert t.command(f"USER {LOGIN}").startswith(refused)
        assert t.command(f"PASS {PASSWORD}").startswith(refused)
        assert t.command(f"AUTH PLAIN {plain()}").startswith(refused)
        assert t.command("AUTH").startswith(b"+OK")
        assert t.multiline() == []
        t.close()

        pop = pop3.client()
        pop.stls(client_tls)
        caps = pop.capa()
        assert "USER" in caps and caps["SASL"] == ["PLAIN"] and "STLS" not in caps
        pop.user(LOGIN)
        pop.pass_(PASSWORD)
        pop.quit()

    await asyncio.to_thread(scenario)


async def test_in_use(pop3) -> None:
    def scenario() -> None:
        first = pop3.login()
        second = pop3.client()
        second.user(LOGIN)
        with pytest.raises(poplib.error_proto) as info:
            second.pass_(PASSWORD)
        assert info.value.args[0].startswith(b"-ERR [IN-USE]")
        first.quit()
        second.user(LOGIN)  # still in AUTHORIZATION; the lock is free now
        second.pass_(PASSWORD)
        second.quit()

    await asyncio.to_thread(scenario)


async def test_lock_released_when_connection_drops(pop3) -> None:
    def scenario() -> None:
        first = pop3.login()
        first.close()  # no QUIT
        for _ in range(50):  # the server notices the close asynchronously
            pop = pop3.client()
            pop.user(LOGIN)
            try:
                pop.pass_(PASSWORD)
            except poplib.error_proto as exc:
                assert exc.args[0].startswith(b"-ERR [IN-USE]")
                pop.close()
                continue
            pop.quit()
            return
        raise AssertionError("lock never released")

    await asyncio.to_thread(scenario)


async def test_failed_logins_are_throttled(start_pop3) -> None:
    throttle = AuthThrottle(base_delay=0.01, block_after=3)
    pop3 = await start_pop3(throttle=throttle)

    def attempt(password: str) -> bytes:
        t = pop3.transcript()
        t.command(f"USER {LOGIN}")
        reply = t.command(f"PASS {password}")
        t.close()
        return reply

    assert await asyncio.to_thread(attempt, "wrong") == b"-ERR [AUTH] invalid login or password"
    assert throttle.delay(HOST) > 0  # the next attempt from this address waits
    assert (await asyncio.to_thread(attempt, PASSWORD)).startswith(b"+OK")
    assert throttle.delay(HOST) == 0  # a success clears the record
    for _ in range(3):
        await asyncio.to_thread(attempt, "wrong")
    assert throttle.blocked(HOST)
    reply = await asyncio.to_thread(attempt, PASSWORD)  # refused even with the right password
    assert reply == b"-ERR [SYS/TEMP] too many failed logins, try again later"


async def test_lock_held_by_another_process(pop3) -> None:
    """The maildrop lock is a database lease: a session in another process blocks this one
    until it releases the lease, or until the lease expires (that process died)."""
    from datetime import timedelta

    locks, account_id = pop3.store.locks, pop3.account.id
    assert await locks.acquire(account_id, "other-host:4242:abc", timedelta(minutes=15))
    assert not await locks.acquire(account_id, "third:1:x", timedelta(minutes=15))

    def refused() -> bytes:
        pop = pop3.client()
        pop.user(LOGIN)
        with pytest.raises(poplib.error_proto) as info:
            pop.pass_(PASSWORD)
        pop.close()
        return info.value.args[0]

    assert (await asyncio.to_thread(refused)).startswith(b"-ERR [IN-USE]")
    await locks.release(account_id, "other-host:4242:abc")
    await asyncio.to_thread(lambda: pop3.login().quit())
    # a dead process's lease: expired, so the next session takes it over
    assert await locks.acquire(account_id, "dead:1:x", timedelta(seconds=-1))
    await asyncio.to_thread(lambda: pop3.login().quit())
    rows = await pop3.store.db.fetchval("SELECT count(*) FROM maildrop_locks")
    assert rows == 0  # QUIT released the lease it took over
