"""Greeting, capabilities, login policy, STARTTLS, implicit TLS, ID, ENABLE, COMPRESS, LOGOUT."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import imaplib
import zlib

from mailstore.config import AuthConfig
from servers.common.throttle import AuthThrottle
from tests.imap.helpers import HOST, LOGIN, PASSWORD, TIMEOUT, status_of


async def test_greeting_and_capabilities_before_and_after_login(imap):
    def scenario():
        t = imap.transcript()
        assert t.greeting.startswith(b"* OK [CAPABILITY IMAP4rev1 IMAP4rev2 ")
        before = t.ok("CAPABILITY")[0].split()
        assert b"STARTTLS" in before and b"AUTH=PLAIN" in before and b"SASL-IR" in before
        assert b"MOVE" not in before  # the full list comes after login
        tagged = t.command(f"LOGIN {LOGIN} {PASSWORD}")[-1]
        assert b"OK [CAPABILITY IMAP4rev1" in tagged
        after = t.ok("CAPABILITY")[0].split()
        for cap in (b"MOVE", b"UIDPLUS", b"CONDSTORE", b"QRESYNC", b"IDLE", b"COMPRESS=DEFLATE"):
            assert cap in after
        assert b"STARTTLS" not in after and b"AUTH=PLAIN" not in after
        assert any(cap.startswith(b"APPENDLIMIT=") for cap in after)

    await asyncio.to_thread(scenario)


async def test_login_failure_is_authenticationfailed_and_slowed(imap):
    def scenario():
        t = imap.transcript()
        lines = t.command(f"LOGIN {LOGIN} wrong")
        assert lines[-1].startswith(b"t1 NO [AUTHENTICATIONFAILED]")
        lines = t.command("LOGIN nobody@example.org secret")
        assert lines[-1].startswith(b"t2 NO [AUTHENTICATIONFAILED]")
        t.login()  # the right password still works

    await asyncio.to_thread(scenario)


async def test_blocked_address_is_refused(start_imap):
    server = await start_imap(throttle=AuthThrottle(base_delay=0.0, block_after=2))

    def scenario():
        t = server.transcript()
        for _ in range(2):
            assert status_of(t.command(f"LOGIN {LOGIN} wrong")) == b"NO"
        assert b"[UNAVAILABLE]" in t.command(f"LOGIN {LOGIN} {PASSWORD}")[-1]

    await asyncio.to_thread(scenario)


async def test_authenticate_plain_with_initial_response_and_continuation(imap):
    token = base64.b64encode(f"\0{LOGIN}\0{PASSWORD}".encode()).decode()

    def scenario():
        t = imap.transcript()
        assert status_of(t.command(f"AUTHENTICATE PLAIN {token}")) == b"OK"
        t2 = imap.transcript()
        t2.send("a AUTHENTICATE PLAIN\r\n")
        assert t2.line() == b"+ "
        t2.send(token + "\r\n")
        assert t2.line().startswith(b"a OK")
        t3 = imap.transcript()
        t3.send("b AUTHENTICATE PLAIN\r\n")
        assert t3.line() == b"+ "
        t3.send("*\r\n")
        assert t3.line().startswith(b"b BAD")
        assert status_of(t3.command("AUTHENTICATE CRAM-MD5")) == b"NO"
        other = base64.b64encode(f"alice@example.org\0{LOGIN}\0{PASSWORD}".encode()).decode()
        assert b"[AUTHORIZATIONFAILED]" in t3.command(f"AUTHENTICATE PLAIN {other}")[-1]
        assert status_of(t3.command("AUTHENTICATE PLAIN =")) == b"BAD"

    await asyncio.to_thread(scenario)


async def test_imaplib_and_imapclient_log_in(imap):
    def scenario():
        c = imap.login()
        assert c.state == "AUTH"
        c.logout()
        client = imap.imapclient()
        assert b"IDLE" in client.capabilities()
        client.logout()

    await asyncio.to_thread(scenario)


async def test_logindisabled_without_tls_when_loopback_plaintext_is_off(
    start_imap, server_context, client_tls
):
    config = dataclasses.replace(
        server_context.config, auth=AuthConfig(plaintext_on_loopback=False)
    )
    server = await start_imap(context=dataclasses.replace(server_context, config=config))

    def scenario():
        t = server.transcript()
        caps = t.ok("CAPABILITY")[0].split()
        assert b"LOGINDISABLED" in caps and b"AUTH=PLAIN" not in caps
        assert b"[PRIVACYREQUIRED]" in t.command(f"LOGIN {LOGIN} {PASSWORD}")[-1]
        assert b"NO" in t.command("AUTHENTICATE PLAIN AGJvYgBzZWNyZXQ=")[-1]
        t.ok("STARTTLS")
        t.start_tls(client_tls)
        caps = t.ok("CAPABILITY")[0].split()
        assert b"LOGINDISABLED" not in caps and b"STARTTLS" not in caps
        t.login()

    await asyncio.to_thread(scenario)


async def test_starttls_discards_pipelined_plaintext(imap, client_tls):
    def scenario():
        t = imap.transcript()
        t.send(f"a STARTTLS\r\nb LOGIN {LOGIN} {PASSWORD}\r\n")
        assert t.line().startswith(b"a OK")
        t.start_tls(client_tls)
        # the injected LOGIN was dropped: still not authenticated
        assert status_of(t.command("SELECT INBOX")) == b"BAD"
        assert status_of(t.command("STARTTLS")) == b"BAD"  # TLS is already active

    await asyncio.to_thread(scenario)


async def test_imaplib_starttls_and_implicit_tls(imap, client_tls):
    def scenario():
        c = imaplib.IMAP4(HOST, imap.port, timeout=TIMEOUT)
        c.starttls(ssl_context=client_tls)
        c.login(LOGIN, PASSWORD)
        assert c.select("INBOX")[0] == "OK"
        c.logout()
        s = imaplib.IMAP4_SSL(HOST, imap.tls_port, ssl_context=client_tls, timeout=TIMEOUT)
        assert "STARTTLS" not in s.capabilities
        s.login(LOGIN, PASSWORD)
        s.logout()

    await asyncio.to_thread(scenario)


async def test_create_starts_both_listeners(server_context, account):
    from servers.imap.service import create

    services = create(server_context)
    try:
        lines = [line for service in services for line in await service.start()]
    finally:
        for service in services:
            await service.stop()
    assert lines[0].startswith("imap listening on 127.0.0.1:") and lines[0].endswith("(STARTTLS)")
    assert lines[1].startswith("imaps listening on") and lines[1].endswith("(implicit TLS)")


async def test_id_enable_namespace_noop_logout(imap):
    def scenario():
        t = imap.transcript()
        assert t.ok('ID ("name" "pytest")')[0] == b'* ID ("name" "mailstore" "version" "0.1.0")'
        assert status_of(t.command("ENABLE CONDSTORE")) == b"BAD"  # not yet authenticated
        t.login()
        assert t.ok("ENABLE CONDSTORE QRESYNC X-UNKNOWN")[0] == b"* ENABLED CONDSTORE QRESYNC"
        assert t.ok("ENABLE QRESYNC")[0] == b"* ENABLED"
        assert t.ok("NAMESPACE")[0] == b'* NAMESPACE (("" "/")) NIL NIL'
        assert t.ok("NOOP") == []
        lines = t.command("LOGOUT")
        assert lines[0].startswith(b"* BYE") and lines[1].startswith(b"t8 OK")
        assert t.closed()

    await asyncio.to_thread(scenario)


async def test_compress_deflate(imap):
    def scenario():
        t = imap.transcript(login=True)
        t.ok("COMPRESS DEFLATE")
        inflate = zlib.decompressobj(wbits=-15)
        deflate = zlib.compressobj(wbits=-15)

        def command(tag: bytes, text: bytes) -> bytes:
            t.sock.sendall(
                deflate.compress(tag + b" " + text + b"\r\n") + deflate.flush(zlib.Z_SYNC_FLUSH)
            )
            data = b""
            while not (b"\r\n" + data).count(b"\r\n" + tag + b" ") or not data.endswith(b"\r\n"):
                data += inflate.decompress(t.sock.recv(65536))
            return data

        assert b"a OK" in command(b"a", b"NOOP")
        assert b"b NO [COMPRESSIONACTIVE]" in command(b"b", b"COMPRESS DEFLATE")
        assert b"* 0 EXISTS" in command(b"c", b"SELECT INBOX")

    await asyncio.to_thread(scenario)


async def test_compress_bounds_a_decompression_bomb(imap):
    """1 MB of zeros inflates from ~1 KB: the server reads it as an over-long line and stays up."""

    def scenario():
        t = imap.transcript(login=True)
        t.ok("COMPRESS DEFLATE")
        deflate = zlib.compressobj(wbits=-15)
        bomb = deflate.compress(b"a NOOP " + b"x" * 2_000_000 + b"\r\nb NOOP\r\n")
        t.sock.sendall(bomb + deflate.flush(zlib.Z_SYNC_FLUSH))
        inflate = zlib.decompressobj(wbits=-15)
        data = b""
        while b"b OK" not in data:
            data += inflate.decompress(t.sock.recv(65536))
        assert b"a BAD" in data

    await asyncio.to_thread(scenario)


async def test_autologout(start_imap):
    server = await start_imap(autologout=0.3)

    def scenario():
        t = server.transcript()
        assert t.line().startswith(b"* BYE")
        assert t.closed()

    await asyncio.to_thread(scenario)


async def test_failed_tls_handshake_leaves_the_server_up(imap, client_tls):
    def scenario():
        t = imap.transcript()
        t.ok("STARTTLS")
        t.send(b"this is not a TLS client hello\r\n" * 10)
        assert t.closed()
        c = imaplib.IMAP4_SSL(HOST, imap.tls_port, ssl_context=client_tls, timeout=TIMEOUT)
        c.login(LOGIN, PASSWORD)
        c.logout()

    await asyncio.to_thread(scenario)


def test_runner_finds_imap():
    from servers.imap import service
    from servers.runner import service_factories

    assert service.create in service_factories()
