"""STARTTLS (RFC 3207) and implicit TLS (RFC 8314) with the trustme CA; STARTTLS injection."""

from __future__ import annotations

import smtplib

from tests.smtp.helpers import (
    HOST,
    Transcript,
    in_thread,
    message,
    smtp_client,
    split_trace,
    stored,
)


async def test_starttls_on_mx_and_received_shows_cipher(
    smtp_service, ports, store, account, client_tls
):
    def send():
        with smtp_client(ports.smtp) as client:
            client.starttls(context=client_tls)
            client.ehlo()
            assert not client.has_extn("starttls")
            client.sendmail("alice@example.com", ["bob@example.org"], message())

    await in_thread(send)
    (body,) = await stored(store, account.id)
    trace, _ = split_trace(body)
    assert b"with ESMTPS id" in trace
    assert b"(using TLSv1.3 with cipher TLS_" in trace


async def test_implicit_tls_submission(smtp_service, ports, store, account, client_tls):
    def send():
        with smtplib.SMTP_SSL(
            HOST,
            ports.submissions,
            context=client_tls,
            timeout=30,
            local_hostname="laptop.example.net",
        ) as client:
            client.ehlo()
            assert client.has_extn("auth")
            assert not client.has_extn("starttls")
            client.login("bob@example.org", "secret")
            client.sendmail(
                "bob@example.org", ["bob@example.org"], message(sender="bob@example.org")
            )

    await in_thread(send)
    (body,) = await stored(store, account.id)
    assert b"with ESMTPSA id" in split_trace(body)[0]


async def test_starttls_injection_is_discarded(smtp_service, ports, client_tls):
    """CVE-2011-0411 class: commands pipelined with STARTTLS must not run inside TLS."""
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        await t.send(
            b"STARTTLS\r\nMAIL FROM:<injected@example.com>\r\nRCPT TO:<bob@example.org>\r\n"
        )
        assert (await t.reply())[-1].startswith("220 2.0.0")
        await t.starttls(client_tls)
        # inside TLS: no greeting replay, no reply to the injected commands; EHLO is needed
        assert (await t.command("MAIL FROM:<alice@example.com>")).startswith("503 5.5.1")
        await t.command("EHLO client.example.net")
        assert (await t.command("MAIL FROM:<alice@example.com>")).startswith("250 2.1.0")
        # a nested-MAIL error would show if the injected MAIL had been executed
        assert (await t.command("RCPT TO:<bob@example.org>")).startswith("250 2.1.5")
        assert (await t.command("NOOP")).startswith("250 2.0.0")
    finally:
        await t.close()


async def test_starttls_twice_refused(smtp_service, ports, client_tls):
    t = await Transcript.open(ports.submission)
    try:
        await t.command("EHLO client.example.net")
        assert (await t.command("STARTTLS")).startswith("220")
        await t.starttls(client_tls)
        await t.send(b"EHLO client.example.net\r\n")
        caps = [line[4:] for line in await t.reply()]
        assert "STARTTLS" not in caps and "AUTH PLAIN LOGIN" in caps
        reply = await t.command("STARTTLS")
        assert reply[:1] == "5" and reply[4:5] == "5"
    finally:
        await t.close()
