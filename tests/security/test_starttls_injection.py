"""STARTTLS command injection (CVE-2011-0411 class) in SMTP, IMAP and POP3.

Commands a client (or a man in the middle) pipelines after STARTTLS / STLS in the same packet
were sent in plaintext; RFC 3207 §4.2, RFC 9051 §6.2.1 and RFC 2595 §4 say they must be
discarded, never executed inside the TLS session. Each shape injects a command whose effect
would show inside TLS (a reply nobody asked for, a transaction, a login); the first reply read
inside TLS must be the one to our own command.
"""

from __future__ import annotations

import asyncio
import base64

import pytest

from tests.imap.helpers import LOGIN, PASSWORD, status_of
from tests.security.smtp_helpers import inbox, still_serves
from tests.smtp.helpers import Transcript

PLAIN = base64.b64encode(f"\0{LOGIN}\0{PASSWORD}".encode()).decode()

SMTP_INJECTIONS = {
    "noop": b"NOOP\r\n",
    "transaction": b"MAIL FROM:<injected@example.com>\r\nRCPT TO:<bob@example.org>\r\n",
    "whole-message": (
        b"MAIL FROM:<injected@example.com>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
        b"Subject: injected\r\n\r\ninjected\r\n.\r\n"
    ),
    "ehlo-and-auth": f"EHLO evil.example\r\nAUTH PLAIN {PLAIN}\r\n".encode(),
    "lf-only": b"NOOP\nMAIL FROM:<injected@example.com>\n",
}


@pytest.mark.parametrize("listener", ["smtp", "submission"])
@pytest.mark.parametrize("injected", SMTP_INJECTIONS.values(), ids=SMTP_INJECTIONS.keys())
async def test_smtp(smtp_service, ports, store, account, client_tls, listener, injected):
    port = getattr(ports, listener)
    t = await Transcript.open(port)
    try:
        await t.command("EHLO client.example.net")
        await t.send(b"STARTTLS\r\n" + injected)
        assert await t.reply() == ["220 2.0.0 Ready to start TLS"]
        await t.starttls(client_tls)
        # no greeting replay and no answer to anything injected: EHLO is needed again
        assert await t.command("MAIL FROM:<bob@example.org>") == ("503 5.5.1 send HELO first")
        assert (await t.command("EHLO client.example.net")).startswith("250 ")
        if listener == "submission":  # the injected AUTH did not log the session in
            assert await t.command("MAIL FROM:<bob@example.org>") == (
                "530 5.7.0 Authentication required"
            )
        else:  # the injected MAIL did not open a transaction ("nested MAIL" otherwise)
            assert await t.command("MAIL FROM:<alice@example.com>") == "250 2.1.0 Sender OK"
            assert await t.command("RCPT TO:<bob@example.org>") == "250 2.1.5 Recipient OK"
        assert await t.command("NOOP") == "250 2.0.0 OK"
    finally:
        await t.close()
    assert await inbox(store, account.id) == []
    await still_serves(port)


IMAP_INJECTIONS = {
    "login": f"b LOGIN {LOGIN} {PASSWORD}\r\n".encode(),
    "authenticate-plain": f"b AUTHENTICATE PLAIN {PLAIN}\r\n".encode(),
    "capability": b"b CAPABILITY\r\n",
    "literal-login": f"b LOGIN {{{len(LOGIN)}+}}\r\n{LOGIN} {PASSWORD}\r\n".encode(),
}


@pytest.mark.parametrize("injected", IMAP_INJECTIONS.values(), ids=IMAP_INJECTIONS.keys())
async def test_imap(imap, client_tls, injected):
    def scenario():
        t = imap.transcript()
        t.send(b"a STARTTLS\r\n" + injected)
        assert t.line() == b"a OK begin TLS negotiation now"
        t.start_tls(client_tls)  # asserts nothing else came before the handshake
        lines = t.command("SELECT INBOX")
        assert lines == [b"t1 BAD SELECT: log in first"]  # no "b ..." reply, not logged in
        t.login()
        assert t.pending() == b""
        t.close()
        other = imap.transcript(login=True)  # the server goes on serving others
        assert status_of(other.command("SELECT INBOX")) == b"OK"
        other.close()

    await asyncio.to_thread(scenario)


POP3_INJECTIONS = {
    "user-pass": f"USER {LOGIN}\r\nPASS {PASSWORD}\r\n".encode(),
    "capa": b"CAPA\r\n",
    "auth-plain": f"AUTH PLAIN {PLAIN}\r\n".encode(),
    "user": f"USER {LOGIN}\r\n".encode(),
}


@pytest.mark.parametrize("injected", POP3_INJECTIONS.values(), ids=POP3_INJECTIONS.keys())
async def test_pop3(pop3, client_tls, injected):
    def scenario():
        t = pop3.transcript()
        t.send(b"STLS\r\n" + injected)
        assert t.line() == b"+OK begin TLS negotiation"
        t.start_tls(client_tls)
        assert t.command("STAT") == b"-ERR command not valid in this state"
        assert t.command(f"PASS {PASSWORD}") == b"-ERR send USER first"
        t.login()
        assert t.command("STAT") == b"+OK 0 0"
        t.close()
        other = pop3.transcript()
        other.login()
        assert other.command("QUIT").startswith(b"+OK")
        other.close()

    await asyncio.to_thread(scenario)
