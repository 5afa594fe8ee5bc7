"""Submission (587 STARTTLS, 465 implicit TLS): AUTH, sender ownership, added headers."""

from __future__ import annotations

import base64
import smtplib

import pytest

from servers.common.throttle import AuthThrottle
from tests.smtp.helpers import HOST, Transcript, in_thread, message, split_trace, stored


def submit(port, tls, fn, login=("bob@example.org", "secret")):
    def run():
        with smtplib.SMTP(HOST, port, local_hostname="laptop.example.net", timeout=30) as client:
            client.starttls(context=tls)
            if login:
                client.login(*login)
            return fn(client)

    return in_thread(run)


async def _tls_session(port: int, tls) -> Transcript:
    t = await Transcript.open(port)
    await t.command("EHLO laptop.example.net")
    assert (await t.command("STARTTLS")).startswith("220")
    await t.starttls(tls)
    await t.command("EHLO laptop.example.net")
    return t


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
async def test_auth_and_local_delivery(smtp_service, ports, store, account, client_tls, mechanism):
    await store.directory.add_account("carol@example.org", "pw")
    carol = await store.directory.get_account("carol@example.org")

    def send(client):
        client.ehlo()
        client.user, client.password = "bob@example.org", "secret"
        code, _ = client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"))
        assert code == 235
        return client.sendmail(
            "bob@example.org",
            ["carol@example.org"],
            message(sender="bob@example.org", to="carol@example.org"),
        )

    assert await submit(ports.submission, client_tls, send, login=None) == {}
    (body,) = await stored(store, carol.id)
    assert b"with ESMTPSA id" in split_trace(body)[0]


async def test_auth_not_offered_nor_accepted_before_tls(smtp_service, ports):
    """Even on loopback: AUTH only under TLS (as Postfix's smtpd_tls_auth_only)."""
    t = await Transcript.open(ports.submission)
    try:
        await t.send(b"EHLO laptop.example.net\r\n")
        caps = [line[4:] for line in await t.reply()]
        assert "STARTTLS" in caps
        assert not any(c.startswith("AUTH") for c in caps)
        plain = base64.b64encode(b"\0bob@example.org\0secret").decode()
        assert (await t.command(f"AUTH PLAIN {plain}")).startswith("538 5.7.11")
        assert (await t.command("MAIL FROM:<bob@example.org>")).startswith("530 5.7.0")
    finally:
        await t.close()


async def test_auth_required_before_mail(smtp_service, ports, client_tls):
    t = await _tls_session(ports.submission, client_tls)
    try:
        assert (await t.command("MAIL FROM:<bob@example.org>")).startswith("530 5.7.0")
        assert (await t.command("RCPT TO:<bob@example.org>")).startswith("530 5.7.0")
    finally:
        await t.close()


async def test_wrong_password_and_unknown_user_look_the_same(smtp_service, ports, client_tls):
    smtp_service.throttle = AuthThrottle(base_delay=0.01)
    t = await _tls_session(ports.submission, client_tls)
    try:
        for creds in (b"\0bob@example.org\0wrong", b"\0nobody@example.org\0wrong"):
            reply = await t.command("AUTH PLAIN " + base64.b64encode(creds).decode())
            assert reply == "535 5.7.8 Authentication credentials invalid"
        assert (await t.command("AUTH PLAIN !!!")).startswith("501 5.5.2")
        assert (await t.command("AUTH CRAM-MD5")).startswith("504 5.5.4")
        assert (await t.command("AUTH LOGIN")) == "334 VXNlcm5hbWU6"
        assert (await t.command("*")).startswith("501")  # client cancels (RFC 4954 §4)
    finally:
        await t.close()


async def test_failed_auth_is_throttled_per_address(smtp_service, ports, client_tls):
    smtp_service.throttle = AuthThrottle(base_delay=0.05, block_after=3)
    bad = "AUTH PLAIN " + base64.b64encode(b"\0bob@example.org\0wrong").decode()
    good = "AUTH PLAIN " + base64.b64encode(b"\0bob@example.org\0secret").decode()
    t = await _tls_session(ports.submission, client_tls)
    try:
        for _ in range(3):
            assert (await t.command(bad)).startswith("535")
        assert (await t.command(good)).startswith("454 4.7.0")  # blocked, even when right
    finally:
        await t.close()
    # a new connection from the same address is refused too
    t = await _tls_session(ports.submission, client_tls)
    try:
        assert (await t.command(good)).startswith("454 4.7.0")
    finally:
        await t.close()


async def test_auth_twice_and_during_transaction(smtp_service, ports, client_tls):
    good = "AUTH PLAIN " + base64.b64encode(b"\0bob@example.org\0secret").decode()
    t = await _tls_session(ports.submission, client_tls)
    try:
        assert (await t.command(good)).startswith("235 2.7.0")
        assert (await t.command(good)).startswith("503 5.5.1")
    finally:
        await t.close()


@pytest.mark.parametrize("sender", ["alice@example.com", "carol@example.org", "bob@example.net"])
async def test_sender_not_owned(smtp_service, ports, store, account, client_tls, sender):
    await store.directory.add_account("carol@example.org", "pw")

    def send(client):
        client.sendmail(sender, ["bob@example.org"], message(sender=sender))

    with pytest.raises(smtplib.SMTPSenderRefused) as exc:
        await submit(ports.submission, client_tls, send)
    assert exc.value.smtp_code == 553 and exc.value.smtp_error.startswith(b"5.7.1")


async def test_from_header_not_owned(smtp_service, ports, store, account, client_tls):
    def send(client):
        client.sendmail(
            "bob@example.org", ["bob@example.org"], message(sender="Boss <ceo@example.org>")
        )

    with pytest.raises(smtplib.SMTPDataError) as exc:
        await submit(ports.submission, client_tls, send)
    assert exc.value.smtp_code == 553 and exc.value.smtp_error.startswith(b"5.7.1")
    assert await stored(store, account.id) == []


async def test_own_alias_and_subaddress_allowed(smtp_service, ports, store, account, client_tls):
    await store.directory.add_alias("sales@example.org", ["bob@example.org"])
    await store.directory.add_alias("@example.org", ["bob@example.org"])  # catch-all: not a licence

    def send(client):
        client.sendmail(
            "sales@example.org", ["bob@example.org"], message(sender="Sales <sales@example.org>")
        )
        client.sendmail(
            "bob+news@example.org", ["bob@example.org"], message(sender="bob+news@example.org")
        )
        with pytest.raises(smtplib.SMTPSenderRefused):
            client.sendmail("anything@example.org", ["bob@example.org"], message())

    await submit(ports.submission, client_tls, send)
    assert len(await stored(store, account.id)) == 2


async def test_message_id_and_date_added_when_missing(
    smtp_service, ports, store, account, client_tls
):
    raw = b"From: bob@example.org\r\nTo: bob@example.org\r\nSubject: bare\r\n\r\nhello\r\n"

    def send(client):
        client.sendmail("bob@example.org", ["bob@example.org"], raw)
        client.sendmail("bob@example.org", ["bob@example.org"], message(sender="bob@example.org"))

    await submit(ports.submission, client_tls, send)
    bare, full = await stored(store, account.id)
    added, content = split_trace(bare, (b"received", b"date", b"message-id"))
    assert content == raw
    assert b"\r\nDate: " in added and b"+0000\r\n" in added
    assert b"\r\nMessage-ID: <" in added and b"@mx.example.org>\r\n" in added
    assert split_trace(full)[1] == message(sender="bob@example.org")  # nothing added


async def test_remote_recipients_are_queued(smtp_service, ports, store, account, client_tls):
    raw = message(sender="bob@example.org", to="Friend@Example.COM, bob@example.org")

    def send(client):
        return client.sendmail(
            "bob@example.org",
            ["Friend@Example.COM", "bob@example.org"],
            raw,
            mail_options=["BODY=8BITMIME"],
        )

    assert await submit(ports.submission, client_tls, send) == {}
    (local,) = await stored(store, account.id)
    (queued,) = await store.queue.list()
    assert queued.sender == "bob@example.org"
    assert [r.recipient for r in queued.recipients] == ["Friend@example.com"]  # local part kept
    assert queued.size == len(local)  # the same bytes, Received and all
