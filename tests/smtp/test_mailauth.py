"""Inbound SPF, DKIM and DMARC end to end: a DNS responder on loopback serves the test zone.

The client connects from 127.0.0.1, so SPF records list (or do not list) ``ip4:127.0.0.1``.
"""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mailstore.config import DNSConfig
from mailstore.dns import make_resolver
from mailstore.mailauth.dkim import public_key_record, sign
from servers.smtp.checks import MailAuthChecks
from servers.smtp.service import SMTPService
from servers.smtp.settings import SMTPSettings
from tests.dnsserver import DNSServer
from tests.smtp.helpers import Transcript, split_trace, stored

PASS = "v=spf1 ip4:127.0.0.1 -all"
FAIL = "v=spf1 ip4:192.0.2.1 -all"
SOFTFAIL = "v=spf1 ip4:192.0.2.1 ~all"


@pytest.fixture(scope="module")
def dns_zone():
    with DNSServer() as server:
        yield server


@pytest.fixture(scope="module")
def dkim_key() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture
async def mx(server_context, account, dns_zone, smtp_settings):
    dns_zone.reset()
    resolver = make_resolver(DNSConfig(nameservers=[dns_zone.nameserver], timeout=3.0))
    settings = dataclasses.replace(
        SMTPSettings.from_config(server_context.config),
        hostname="mx.example.org",
        **smtp_settings,
    )
    service = SMTPService(
        server_context, checks=MailAuthChecks(resolver, "mx.example.org"), settings=settings
    )
    await service.start()
    try:
        yield service.ports["smtp"]
    finally:
        await service.stop()


def letter(sender: str = "alice@example.com", extra: bytes = b"") -> bytes:
    return (
        extra
        + (
            f"From: Alice <{sender}>\r\nTo: bob@example.org\r\nSubject: lunch\r\n"
            "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\nMessage-ID: <lunch.1@example.com>\r\n"
            "\r\nSee you at noon.\r\n"
        ).encode()
    )


async def deliver(port: int, raw: bytes, mail_from: str = "alice@example.com") -> tuple[str, str]:
    """(reply to MAIL FROM, final reply: after DATA, or the MAIL FROM refusal)."""
    t = await Transcript.open(port)
    try:
        await t.command("EHLO client.example.com")
        mail = await t.command(f"MAIL FROM:<{mail_from}>")
        if not mail.startswith("250"):
            return mail, mail
        assert (await t.command("RCPT TO:<bob@example.org>")).startswith("250")
        assert (await t.command("DATA")).startswith("354")
        await t.send(raw + b".\r\n")
        return mail, (await t.reply())[-1]
    finally:
        await t.close()


def auth_results(body: bytes) -> bytes:
    trace, _ = split_trace(body, (b"received", b"authentication-results"))
    start = trace.index(b"Authentication-Results: mx.example.org;")
    return trace[start:].replace(b"\r\n\t", b" ")


@pytest.mark.parametrize(
    ("record", "result"),
    [(PASS, b"spf=pass"), (FAIL, b"spf=fail"), (SOFTFAIL, b"spf=softfail"), (None, b"spf=none")],
)
async def test_spf_results_recorded(mx, dns_zone, store, account, record, result):
    if record:
        dns_zone.set_txt("example.com", record)
    _, final = await deliver(mx, letter())
    assert final.startswith("250")  # SPF alone never refuses by default
    (body,) = await stored(store, account.id)
    assert result + b" smtp.mailfrom=alice@example.com" in auth_results(body)
    assert split_trace(body, (b"received", b"authentication-results"))[1] == letter()


@pytest.mark.parametrize("smtp_settings", [{"spf_reject": True}], indirect=True)
async def test_spf_fail_refused_at_mail_from_when_configured(mx, dns_zone, store, account):
    dns_zone.set_txt("example.com", FAIL)
    mail, _ = await deliver(mx, letter())
    assert mail.startswith("550 5.7.23")
    dns_zone.set_txt("example.com", SOFTFAIL)
    mail, final = await deliver(mx, letter())
    assert mail.startswith("250") and final.startswith("250")


async def test_dkim_pass_and_fail(mx, dns_zone, store, account, dkim_key):
    dns_zone.set_txt("sel._domainkey.example.com", public_key_record(dkim_key))
    raw = letter()
    signed = sign(raw, "sel", "example.com", dkim_key) + raw
    assert (await deliver(mx, signed))[1].startswith("250")
    tampered = signed.replace(b"noon", b"midnight")
    assert (await deliver(mx, tampered))[1].startswith("250")
    good, bad = await stored(store, account.id)
    assert b"dkim=pass header.d=example.com header.s=sel" in auth_results(good)
    assert b"dkim=fail" in auth_results(bad)


async def test_dmarc_reject(mx, dns_zone, store, account):
    dns_zone.set_txt("example.com", FAIL)
    dns_zone.set_txt("_dmarc.example.com", "v=DMARC1; p=reject")
    _, final = await deliver(mx, letter())
    assert final.startswith("550 5.7.1")
    assert await stored(store, account.id) == []


@pytest.mark.parametrize("smtp_settings", [{"dmarc_reject": False}], indirect=True)
async def test_dmarc_reject_not_honoured_goes_to_junk(mx, dns_zone, store, account):
    dns_zone.set_txt("example.com", FAIL)
    dns_zone.set_txt("_dmarc.example.com", "v=DMARC1; p=reject")
    assert (await deliver(mx, letter()))[1].startswith("250")
    assert len(await stored(store, account.id, "Junk")) == 1


async def test_dmarc_quarantine_files_into_junk(mx, dns_zone, store, account):
    dns_zone.set_txt("example.com", FAIL)
    dns_zone.set_txt("_dmarc.example.com", "v=DMARC1; p=quarantine")
    assert (await deliver(mx, letter()))[1].startswith("250")
    assert await stored(store, account.id) == []
    (body,) = await stored(store, account.id, "Junk")
    assert b"dmarc=fail header.from=example.com" in auth_results(body)


async def test_dmarc_passes_with_aligned_dkim_despite_spf_fail(
    mx, dns_zone, store, account, dkim_key
):
    dns_zone.set_txt("example.com", FAIL)
    dns_zone.set_txt("_dmarc.example.com", "v=DMARC1; p=reject")
    dns_zone.set_txt("sel._domainkey.example.com", public_key_record(dkim_key))
    raw = letter()
    assert (await deliver(mx, sign(raw, "sel", "example.com", dkim_key) + raw))[1].startswith("250")
    (body,) = await stored(store, account.id)
    assert b"dmarc=pass" in auth_results(body)


async def test_forged_authentication_results_removed(mx, dns_zone, store, account):
    dns_zone.set_txt("example.com", FAIL)
    forged = b"Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=alice@example.com\r\n"
    theirs = b"Authentication-Results: relay.example.net; spf=pass\r\n"
    assert (await deliver(mx, letter(extra=forged + theirs)))[1].startswith("250")
    (body,) = await stored(store, account.id)
    assert body.count(b"Authentication-Results: mx.example.org;") == 1
    assert b"spf=fail" in auth_results(body)
    assert split_trace(body, (b"received", b"authentication-results"))[1] == letter()
    assert theirs in body
