"""STLS (RFC 2595) and implicit TLS (RFC 8314) with the trustme CA, and the STARTTLS
command-injection defence."""

from __future__ import annotations

import asyncio
import poplib

import pytest

from tests.pop3.helpers import HOST, LOGIN, PASSWORD, TIMEOUT, deliver, make_message


async def test_stls(pop3, client_tls) -> None:
    await deliver(pop3.store, pop3.account, make_message())

    def scenario() -> None:
        pop = pop3.client()
        assert pop.stls(client_tls).startswith(b"+OK")
        assert pop.sock.version() is not None
        assert "STLS" not in pop.capa()
        pop.user(LOGIN)
        pop.pass_(PASSWORD)
        _, _, octets = pop.retr(1)
        assert pop.stat() == (1, octets)
        pop.quit()

    await asyncio.to_thread(scenario)


async def test_implicit_tls(pop3, client_tls) -> None:
    await deliver(pop3.store, pop3.account, make_message())

    def scenario() -> None:
        pop = poplib.POP3_SSL(HOST, pop3.tls_port, context=client_tls, timeout=TIMEOUT)
        assert pop.getwelcome().startswith(b"+OK")
        caps = pop.capa()
        assert "STLS" not in caps and "USER" in caps
        pop.user(LOGIN)
        pop.pass_(PASSWORD)
        assert pop.stat()[0] == 1
        pop.quit()

    await asyncio.to_thread(scenario)


async def test_stls_injection_is_discarded(pop3, client_tls) -> None:
    def scenario() -> None:
        t = pop3.transcript()
        t.send(b"STLS\r\nCAPA\r\n")  # one packet: the CAPA must not be answered inside TLS
        assert t.line() == b"+OK begin TLS negotiation"
        t.start_tls(client_tls)
        t.send(b"QUIT\r\n")
        assert t.line() == b"+OK localhost POP3 server signing off"
        t.close()

    await asyncio.to_thread(scenario)


async def test_stls_injected_login_is_forgotten(pop3, client_tls) -> None:
    def scenario() -> None:
        t = pop3.transcript()
        t.send(f"STLS\r\nUSER {LOGIN}\r\n".encode())
        assert t.line() == b"+OK begin TLS negotiation"
        t.start_tls(client_tls)
        assert t.command(f"PASS {PASSWORD}") == b"-ERR send USER first"
        t.close()

    await asyncio.to_thread(scenario)


async def test_stls_refusals(pop3, client_tls) -> None:
    def scenario() -> None:
        t = pop3.transcript()
        assert t.command("STLS") == b"+OK begin TLS negotiation"
        t.start_tls(client_tls)
        assert t.command("STLS") == b"-ERR TLS already active"
        t.close()

        t = pop3.transcript()
        t.login()
        assert t.command("STLS") == b"-ERR command not valid in this state"
        t.close()

    await asyncio.to_thread(scenario)


async def test_plaintext_after_stls_breaks_the_handshake(pop3) -> None:
    def scenario() -> None:
        t = pop3.transcript()
        assert t.command("STLS").startswith(b"+OK")
        t.send(b"CAPA\r\n")  # not a TLS ClientHello: the handshake fails, nothing is answered
        received = t.rest()
        assert b"+OK" not in received and b"-ERR" not in received
        t.close()

    await asyncio.to_thread(scenario)


async def test_no_pop3s_without_tls_context(server_context) -> None:
    import dataclasses

    from servers.pop3.service import create

    services = create(dataclasses.replace(server_context, tls=None))
    assert [s.name for s in services] == ["pop3"]


async def test_untrusted_client_cannot_complete_handshake(pop3) -> None:
    import ssl

    def scenario() -> None:
        strict = ssl.create_default_context()  # does not trust the test CA
        with pytest.raises(ssl.SSLError):
            poplib.POP3_SSL(HOST, pop3.tls_port, context=strict, timeout=TIMEOUT)

    await asyncio.to_thread(scenario)
