"""The MX with real SPF/DKIM/DMARC (loopback DNS responder), and the front end's delivery step
with remote recipients: what reaches ``received_log`` and the authentication view."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mailstore.config import DNSConfig
from mailstore.dns import make_resolver
from mailstore.mailauth.dkim import public_key_record, sign
from mailstore.store import Target, prepare
from mailstore.store.maillog import Reception
from servers.smtp.checks import MailAuthChecks
from servers.smtp.delivery import Outbound, store_message
from servers.smtp.service import SMTPService
from servers.smtp.settings import SMTPSettings
from tests.reports.helpers import log_day, plain, view
from tests.smtp.helpers import Transcript


@pytest.fixture(scope="module")
def dkim_key() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture
async def mx(server_context, account, dns_server):
    resolver = make_resolver(DNSConfig(nameservers=[dns_server.nameserver], timeout=3.0))
    settings = dataclasses.replace(
        SMTPSettings.from_config(server_context.config), hostname="mx.example.org"
    )
    service = SMTPService(
        server_context, checks=MailAuthChecks(resolver, "mx.example.org"), settings=settings
    )
    await service.start()
    try:
        yield service.ports["smtp"]
    finally:
        await service.stop()


async def send(port: int, mail_from: str, raw: bytes) -> str:
    t = await Transcript.open(port)
    try:
        await t.command("EHLO client.example.com")
        assert (await t.command(f"MAIL FROM:<{mail_from}>")).startswith("250")
        assert (await t.command("RCPT TO:<bob@example.org>")).startswith("250")
        assert (await t.command("DATA")).startswith("354")
        await t.send(raw + b".\r\n")
        return (await t.reply())[-1]
    finally:
        await t.close()


def letter(author: str, subject: str) -> bytes:
    return (
        f"From: <{author}>\r\nTo: bob@example.org\r\nSubject: {subject}\r\n"
        f"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\nMessage-ID: <{subject}@t>\r\n\r\nHi.\r\n"
    ).encode()


async def test_mx_results_are_logged_and_counted(mx, dns_server, store, account, dkim_key):
    # good.test: SPF lists 127.0.0.1, mail DKIM-signed, DMARC p=none -> pass, pass, pass
    dns_server.set_txt("good.test", "v=spf1 ip4:127.0.0.1 -all")
    dns_server.set_txt("sel._domainkey.good.test", public_key_record(dkim_key))
    dns_server.set_txt("_dmarc.good.test", "v=DMARC1; p=none")
    # bad.test: SPF does not list us, no signature, DMARC p=none -> fail, none, fail
    dns_server.set_txt("bad.test", "v=spf1 ip4:192.0.2.1 -all")
    dns_server.set_txt("_dmarc.bad.test", "v=DMARC1; p=none")
    for i in range(2):
        raw = letter("a@good.test", f"good{i}")
        assert (await send(mx, "a@good.test", sign(raw, "sel", "good.test", dkim_key) + raw))[
            :3
        ] == "250"
    assert (await send(mx, "x@bad.test", letter("x@bad.test", "bad")))[:3] == "250"

    rows = await store.db.fetch(
        "SELECT protocol, client_address, helo, sender, message_id, local_recipients, "
        "recipients, spf, spf_domain, dkim, dkim_domain, dmarc, dmarc_domain, "
        "transaction_id IS NOT NULL AS has_id FROM received_log ORDER BY id"
    )
    assert [tuple(r.values()) for r in rows] == [
        ("smtp", "127.0.0.1", "client.example.com", "a@good.test", "<good0@t>", 1,
         ["bob@example.org"], "pass", "good.test", "pass", "good.test", "pass", "good.test",
         True),
        ("smtp", "127.0.0.1", "client.example.com", "a@good.test", "<good1@t>", 1,
         ["bob@example.org"], "pass", "good.test", "pass", "good.test", "pass", "good.test",
         True),
        ("smtp", "127.0.0.1", "client.example.com", "x@bad.test", "<bad@t>", 1,
         ["bob@example.org"], "fail", "bad.test", "none", None, "fail", "bad.test", True),
    ]  # fmt: skip
    day = await log_day(store)
    assert await view(store, "authentication", order="method, domain, result") == [
        (day, "dkim", "", "none", 1),
        (day, "dkim", "good.test", "pass", 2),
        (day, "dmarc", "bad.test", "fail", 1),
        (day, "dmarc", "good.test", "pass", 2),
        (day, "spf", "bad.test", "fail", 1),
        (day, "spf", "good.test", "pass", 2),
    ]
    # the log row's size and body are the stored message's (with our trace fields)
    sizes = await store.db.fetch(
        "SELECT l.size = m.size AND l.body_id = m.body_id AS same FROM received_log l "
        "JOIN messages m ON m.body_id = l.body_id AND m.account_id = $1",
        account.id,
    )
    assert [r["same"] for r in sizes] == [True, True, True]


async def test_remote_only_transaction_is_logged_with_the_queueing(store, account):
    """Submission to remote recipients only: no local copy, so the queue transaction logs it."""
    reception = Reception("submission", "bob@example.org", "127.0.0.1", remote_recipients=2)
    incoming = await prepare(plain("out", sender="bob@example.org"))
    outbound = Outbound("bob@example.org", ("a@remote.test", "b@remote.test"), account.id)
    assert await store_message(store, incoming, [], outbound, reception) == []
    rows = await store.db.fetch(
        "SELECT l.protocol, l.sender, l.local_recipients, l.remote_recipients, l.recipients, "
        "l.size, l.body_id = q.body_id AS queued_body FROM received_log l, queue_messages q"
    )
    assert [tuple(r.values()) for r in rows] == [
        ("submission", "bob@example.org", 0, 2, [], len(incoming.raw), True)
    ]


async def test_mixed_transaction_is_logged_once_with_the_local_copies(store, account):
    reception = Reception("submission", "bob@example.org", "127.0.0.1", remote_recipients=1)
    incoming = await prepare(plain("mixed", sender="bob@example.org"))
    outbound = Outbound("bob@example.org", ("a@remote.test",), account.id)
    await store_message(store, incoming, [Target(account.id)], outbound, reception)
    rows = await store.db.fetch(
        "SELECT protocol, local_recipients, remote_recipients, recipients FROM received_log"
    )
    assert [tuple(r.values()) for r in rows] == [("submission", 1, 1, ["bob@example.org"])]
    assert await store.db.fetchval("SELECT count(*) FROM queue_messages") == 1
