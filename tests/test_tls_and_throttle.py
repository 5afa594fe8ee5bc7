"""TLS profiles (Mozilla "intermediate" on submission/IMAPS/POP3S, permissive STARTTLS on port
25) and the failed-login throttle shared by SMTP AUTH, IMAP and POP3, over real sockets."""

from __future__ import annotations

import asyncio
import dataclasses
import imaplib
import poplib
import smtplib
import socket
import ssl

import pytest
import trustme

from mailstore.tls import mx_server_context
from mailstore.tls import server_context as tls_server_context
from servers.common.throttle import AuthThrottle
from servers.imap import service as imap_service
from servers.pop3 import service as pop3_service
from servers.runner import Context
from servers.smtp import service as smtp_service

HOST = "127.0.0.1"


@pytest.fixture(scope="module")
def rsa_ca():
    """An RSA certificate, so that RSA key exchange (no forward secrecy) is possible at all."""
    ca = trustme.CA(key_type=trustme.KeyType.RSA)
    return ca, ca.issue_cert("localhost", "127.0.0.1", key_type=trustme.KeyType.RSA)


@pytest.fixture
async def profiled(server_context, rsa_ca, tmp_path, account):  # type: ignore[no-untyped-def]
    """Every front end with our production TLS contexts built from certificate files."""
    _, cert = rsa_ca
    crt, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.cert_chain_pems[0].write_to_path(crt)
    cert.private_key_pem.write_to_path(key)
    ctx = Context(
        server_context.config,
        server_context.store,
        server_context.listener,
        tls_server_context(crt, key),
        tls_mx=mx_server_context(crt, key),
    )
    services = [*smtp_service.create(ctx), *imap_service.create(ctx), *pop3_service.create(ctx)]
    for s in services:
        await s.start()
    try:
        yield ctx, _ports(services)
    finally:
        for s in reversed(services):
            await s.stop()


def _ports(services) -> dict[str, int]:  # type: ignore[no-untyped-def]
    ports: dict[str, int] = {}
    for s in services:
        if hasattr(s, "ports"):
            ports.update(s.ports)
        else:
            ports[s.name] = s.addresses[0][1]
    return ports


def _client(rsa_ca, *, cipher: str | None = None) -> ssl.SSLContext:  # type: ignore[no-untyped-def]
    ca, _ = rsa_ca
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.3 suites are not selectable
    if cipher:
        ctx.set_ciphers(cipher + ":@SECLEVEL=0")
    return ctx


def _implicit_tls(port: int, client: ssl.SSLContext) -> str:
    """The negotiated cipher name, or raises ssl.SSLError when the server refuses."""
    with socket.create_connection((HOST, port), timeout=10) as raw:
        with client.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.cipher()[0]


def _starttls_25(port: int, client: ssl.SSLContext) -> str:
    with smtplib.SMTP(HOST, port, timeout=10) as smtp:
        smtp.starttls(context=client)
        assert smtp.ehlo()[0] == 250
        return smtp.sock.cipher()[0]  # type: ignore[union-attr]


async def test_intermediate_profile_refuses_what_port_25_accepts(profiled, rsa_ca) -> None:  # type: ignore[no-untyped-def]
    _, ports = profiled
    weak = _client(rsa_ca, cipher="AES128-SHA")  # RSA key exchange, CBC: not "intermediate"
    strong = _client(rsa_ca, cipher="ECDHE-RSA-AES128-GCM-SHA256")
    for name in ("submissions", "imaps", "pop3s"):
        with pytest.raises(ssl.SSLError):
            await asyncio.to_thread(_implicit_tls, ports[name], weak)
        cipher = await asyncio.to_thread(_implicit_tls, ports[name], strong)
        assert cipher == "ECDHE-RSA-AES128-GCM-SHA256"
    # port 25 takes the weak client: its alternative is plaintext
    assert await asyncio.to_thread(_starttls_25, ports["smtp"], weak) == "AES128-SHA"
    assert await asyncio.to_thread(_starttls_25, ports["smtp"], strong) == (
        "ECDHE-RSA-AES128-GCM-SHA256"
    )


def _starttls_25_version(port: int, client: ssl.SSLContext) -> str | None:
    with smtplib.SMTP(HOST, port, timeout=10) as smtp:
        smtp.starttls(context=client)
        return smtp.sock.version()  # type: ignore[union-attr]


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
async def test_intermediate_profile_refuses_tls_1_1(profiled, rsa_ca) -> None:  # type: ignore[no-untyped-def]
    _, ports = profiled
    old = _client(rsa_ca, cipher="DEFAULT")
    old.minimum_version = ssl.TLSVersion.TLSv1
    old.maximum_version = ssl.TLSVersion.TLSv1_1
    for name in ("submissions", "imaps", "pop3s"):
        with pytest.raises(ssl.SSLError):
            await asyncio.to_thread(_implicit_tls, ports[name], old)
    # the same client gets TLS 1.1 on port 25: refused above for the version, nothing else
    assert await asyncio.to_thread(_starttls_25_version, ports["smtp"], old) == "TLSv1.1"


async def test_failed_logins_are_counted_across_protocols(profiled) -> None:  # type: ignore[no-untyped-def]
    """Failures on IMAP and POP3 add up; once blocked, SMTP AUTH, IMAP and POP3 all refuse
    the address, for the right password too."""
    ctx, ports = profiled
    ctx.throttle.base_delay, ctx.throttle.block_after = 0.01, 3
    throttle: AuthThrottle = ctx.throttle

    def imap_login(password: str) -> str:
        with imaplib.IMAP4(HOST, ports["imap"], timeout=10) as imap:
            try:
                return imap.login("bob@example.org", password)[0]
            except imaplib.IMAP4.error as exc:
                return str(exc)

    def pop3_login(password: str) -> str:
        pop = poplib.POP3(HOST, ports["pop3"], timeout=10)
        try:
            pop.user("bob@example.org")
            return pop.pass_(password).decode()
        except poplib.error_proto as exc:
            return exc.args[0].decode()
        finally:
            pop.close()

    assert "AUTHENTICATIONFAILED" in await asyncio.to_thread(imap_login, "wrong")
    assert (await asyncio.to_thread(pop3_login, "wrong")).startswith("-ERR [AUTH]")
    assert throttle.delay(HOST) == pytest.approx(0.02)  # two failures, from two protocols
    assert "AUTHENTICATIONFAILED" in await asyncio.to_thread(imap_login, "nosuchuser-pw")
    assert throttle.blocked(HOST)

    imap_reply = await asyncio.to_thread(imap_login, "secret")
    assert "UNAVAILABLE" in imap_reply
    assert (await asyncio.to_thread(pop3_login, "secret")).startswith("-ERR [SYS/TEMP]")

    def smtp_auth() -> tuple[int, bytes]:
        client = ssl.create_default_context()
        client.check_hostname = False
        client.verify_mode = ssl.CERT_NONE
        with smtplib.SMTP(HOST, ports["submission"], timeout=10) as smtp:
            smtp.starttls(context=client)
            smtp.ehlo()
            try:
                smtp.login("bob@example.org", "secret")
            except smtplib.SMTPResponseException as exc:
                return exc.smtp_code, exc.smtp_error
            return 235, b""

    code, text = await asyncio.to_thread(smtp_auth)
    assert code == 454 and text.startswith(b"4.7.0"), (code, text)


def test_throttle_from_config(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from mailstore.config import load_config

    config = load_config(
        home=tmp_path,
        environ={"MAILSTORE_AUTH_LOGIN_DELAY": "0.5", "MAILSTORE_AUTH_LOGIN_BLOCK_AFTER": "4"},
    )
    t = AuthThrottle.from_config(config.auth)
    assert (t.base_delay, t.max_delay, t.block_after, t.window) == (0.5, 15.0, 4, 600.0)
    assert dataclasses.is_dataclass(t)
