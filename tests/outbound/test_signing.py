"""DKIM signing of outgoing mail (verified by dkimpy against the published key) and privacy."""

from __future__ import annotations

import dataclasses

import pytest

from mailstore.config import ConfigError, DKIMConfig
from mailstore.errors import InvalidArgument
from mailstore.mailauth.dkim import verify_message
from mailstore.outbound import signing
from mailstore.outbound.privacy import scrub
from mailstore.outbound.signing import Signer
from tests.outbound.helpers import Sink, message
from tests.outbound.test_delivery import enqueue


async def test_outgoing_mail_carries_rsa_and_ed25519_signatures(
    store, account, remotes, zone, dns_server, make_config, runner, resolver
):
    sink = await remotes.smtp("127.0.0.2")
    zone("remote.test", "127.0.0.2")
    config = make_config()
    for selector, algorithm in (("rsa1", "rsa"), ("ed1", "ed25519")):
        key = signing.keygen(config, "example.org", selector, algorithm)
        dns_server.set_txt(key.record_name, key.record)
    await enqueue(store, ["carol@remote.test"], message(), account_id=account.id)
    await runner().run_once()
    (got,) = sink.messages
    assert got.data.count(b"DKIM-Signature:") == 2
    results = await verify_message(resolver, got.data)
    assert sorted((r.result, r.selector, r.algorithm) for r in results) == [
        ("pass", "ed1", "ed25519-sha256"),
        ("pass", "rsa1", "rsa-sha256"),
    ]
    assert all(r.domain == "example.org" for r in results)


async def test_forwarded_mail_from_other_domains_is_not_signed(
    store, account, remotes, zone, make_config, runner
):
    sink = await remotes.smtp("127.0.0.2")
    zone("remote.test", "127.0.0.2")
    signing.keygen(make_config(), "example.org", "s1", "ed25519")
    raw = message(sender="Alice <alice@elsewhere.test>")
    await enqueue(store, ["carol@remote.test"], raw, sender="alice@elsewhere.test")
    await runner().run_once()
    assert b"DKIM-Signature" not in sink.messages[0].data


async def test_mail_forwarded_with_our_from_is_not_signed(
    store, account, remotes, zone, make_config, runner
):
    """No signing oracle: mail from outside that an alias forwards keeps no signature of ours,
    even when its From: names our domain (only our users' mail and our DSNs are signed)."""
    sink = await remotes.smtp("127.0.0.2")
    zone("remote.test", "127.0.0.2")
    signing.keygen(make_config(), "example.org", "s1", "ed25519")
    raw = message(sender="CEO <ceo@example.org>")
    await enqueue(store, ["carol@remote.test"], raw, sender="attacker@elsewhere.test")
    await runner().run_once()
    assert b"DKIM-Signature" not in sink.messages[0].data


async def test_our_dsns_are_signed(store, account, remotes, zone, make_config, runner, resolver):
    sink = await remotes.smtp(
        "127.0.0.2", Sink(rcpt=lambda a: "550 5.1.1 no" if a.startswith("gone") else None)
    )
    zone("remote.test", "127.0.0.2")
    zone("sender.test", "127.0.0.2")
    key = signing.keygen(make_config(), "mx.example.org", "s1", "ed25519")
    await enqueue(store, ["gone@remote.test"], sender="alice@sender.test")
    await runner().run_once()
    (dsn,) = sink.messages  # the original was refused; its bounce went to alice@sender.test
    assert dsn.mail_from == "<>" and dsn.rcpt_tos == ["alice@sender.test"]
    assert dsn.data.count(b"DKIM-Signature:") == 1
    assert key.domain == "mx.example.org"


@pytest.mark.parametrize(
    "from_field",
    [
        "bob@example.org <evil@attacker.test>",
        "bob@example.org@attacker.test",
        "Bob <bob@example.org",
    ],
)
def test_ambiguous_from_has_no_signing_domain(make_config, from_field):
    signing.keygen(make_config(), "example.org", "s1", "ed25519")
    signer = Signer.from_config(make_config())
    raw = f"From: {from_field}\r\nTo: x@remote.test\r\nSubject: s\r\n\r\nbody\r\n".encode()
    assert signer.signing_domain(raw) is None
    assert signer.signing_domain(message(sender="Bob <bob@example.org>")) == "example.org"


def test_keys_from_config_and_folder(make_config, tmp_path):
    config = make_config()
    made = signing.keygen(config, "Example.ORG", "sel", "ed25519")
    assert made.path == tmp_path / "dkim" / "example.org" / "sel.pem"
    assert made.path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(InvalidArgument):
        signing.keygen(config, "example.org", "sel", "rsa")  # never over an existing key
    with pytest.raises(InvalidArgument):
        signing.keygen(config, "example.org", "bad selector", "rsa")
    extra = tmp_path / "other.pem"
    extra.write_bytes(signing.generate_key("ed25519"))
    config = dataclasses.replace(config, dkim=DKIMConfig(keys=["other.test:x:other.pem"]))
    signer = Signer.from_config(config)
    assert [(k.domain, k.selector) for k in signer.keys] == [
        ("example.org", "sel"),
        ("other.test", "x"),
    ]
    assert signer.signing_domain(message(sender="a@Other.Test")) == "other.test"
    assert signer.signing_domain(message(sender="a@third.test")) is None
    extra.write_text("not a key")
    with pytest.raises(ConfigError, match=r"other\.test/x"):
        Signer.from_config(config)


def test_privacy_scrub():
    raw = (
        b"Received: from laptop.home ([192.0.2.7])\r\n"
        b"\tby mx.example.org (mailstore) with ESMTPSA id 1; Mon, 2 Jan 2023 10:00:00 +0000\r\n"
        b"Received: from older ([198.51.100.1]) by x; Mon, 2 Jan 2023 09:00:00 +0000\r\n"
        b"User-Agent: Thunderbird 1.0 (Windows)\r\n"
        b"X-Mailer: Foo\r\n\tcontinued\r\n"
        b"Subject: hi\r\n\r\nUser-Agent: in the body stays\r\n"
    )
    out = scrub(raw, hide_client_ip=True, strip_mailer=True)
    assert b"192.0.2.7" not in out and b"laptop.home" not in out
    assert out.startswith(b"Received: from localhost ([127.0.0.1])\r\n\tby mx.example.org")
    assert b"198.51.100.1" in out  # only our own (topmost) field changes
    assert b"Thunderbird" not in out and b"X-Mailer" not in out and b"continued" not in out
    assert out.endswith(b"Subject: hi\r\n\r\nUser-Agent: in the body stays\r\n")
    assert scrub(raw, hide_client_ip=False, strip_mailer=False) == raw


async def test_privacy_applies_to_submitted_mail(store, account, remotes, zone, runner):
    sink = await remotes.smtp("127.0.0.2")
    zone("remote.test", "127.0.0.2")
    raw = (
        b"Received: from laptop.home ([192.0.2.7])\r\n\tby mx.example.org (mailstore) "
        b"with ESMTPSA id 1; Mon, 2 Jan 2023 10:00:00 +0000\r\n"
        + message(extra="X-Mailer: Foo\r\n")
    )
    await enqueue(store, ["carol@remote.test"], raw, account_id=account.id)
    await runner(queue={"hide_client_ip": True, "strip_mailer": True}).run_once()
    data = sink.messages[0].data
    assert b"192.0.2.7" not in data and b"X-Mailer" not in data
    assert b"Subject: Hello" in data
