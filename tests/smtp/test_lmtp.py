"""LMTP (RFC 2033) on TCP: LHLO, and one reply per recipient after DATA."""

from __future__ import annotations

import smtplib

from tests.smtp.helpers import HOST, Transcript, in_thread, message, split_trace, stored


async def test_mixed_per_recipient_results(smtp_service, ports, store, account):
    full = await store.directory.add_account("full@example.org", "pw")
    await store.directory.set_quota("full@example.org", 100)
    t = await Transcript.open(ports.lmtp)
    try:
        assert t.greeting[0].startswith("220 mx.example.org LMTP")
        await t.send(b"LHLO postfix.example.org\r\n")
        caps = [line[4:] for line in await t.reply()]
        assert "PIPELINING" in caps and "ENHANCEDSTATUSCODES" in caps
        await t.command("MAIL FROM:<alice@example.com>")
        assert (await t.command("RCPT TO:<bob@example.org>")).startswith("250 2.1.5")
        assert (await t.command("RCPT TO:<full@example.org>")).startswith("250 2.1.5")
        assert (await t.command("RCPT TO:<nobody@example.org>")).startswith("550 5.1.1")
        assert (await t.command("DATA")).startswith("354")
        await t.send(message() + b".\r\n")
        # RFC 2033 §4.2: one reply per accepted RCPT, in order
        first, second = await t.replies(2)
        assert first.startswith("250 2.1.5")
        assert second.startswith("452 4.2.2")
        assert (await t.command("NOOP")).startswith("250 2.0.0")
    finally:
        await t.close()
    (body,) = await stored(store, account.id)
    trace, content = split_trace(body)
    assert content == message()
    assert b"with LMTP id" in trace
    assert await stored(store, full.id) == []


async def test_with_smtplib_lmtp_client(smtp_service, ports, store, account):
    await store.directory.add_account("carol@example.org", "pw")

    def send():
        client = smtplib.LMTP(HOST, ports.lmtp, local_hostname="postfix.example.org")
        try:
            return client.sendmail(
                "alice@example.com", ["bob@example.org", "carol@example.org"], message()
            )
        finally:
            client.quit()

    assert await in_thread(send) == {}
    assert len(await stored(store, account.id)) == 1


async def test_data_errors_answered_per_recipient(smtp_service, ports):
    t = await Transcript.open(ports.lmtp)
    try:
        await t.command("LHLO postfix.example.org")
        await t.command("MAIL FROM:<alice@example.com>")
        await t.command("RCPT TO:<bob@example.org>")
        await t.command("RCPT TO:<bob+x@example.org>")
        await t.command("DATA")
        await t.send(b"Subject: x\r\n\r\nbare\nLF\r\n.\r\n")
        assert [r[:9] for r in await t.replies(2)] == ["550 5.6.0", "550 5.6.0"]
    finally:
        await t.close()


async def test_helo_and_ehlo_refused(smtp_service, ports):
    t = await Transcript.open(ports.lmtp)
    try:
        assert (await t.command("HELO x")).startswith("500 5.5.1")
        assert (await t.command("EHLO x")).startswith("500 5.5.1")
        assert (await t.command("MAIL FROM:<a@example.com>")).startswith("503 5.5.1")
    finally:
        await t.close()


async def test_non_local_domain_refused(smtp_service, ports):
    t = await Transcript.open(ports.lmtp)
    try:
        await t.command("LHLO postfix.example.org")
        await t.command("MAIL FROM:<alice@example.com>")
        assert (await t.command("RCPT TO:<x@example.com>")).startswith("550 5.1.2")
    finally:
        await t.close()
