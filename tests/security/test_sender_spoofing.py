"""Sender spoofing on submission and From-parsing confusion (CVE-2023-27043 class).

Submission (RFC 6409 §6.1): the envelope sender and every From: address must be the user's
own, an own ``+tag`` or an alias naming the user exactly (``Directory.may_send_as``); anything
else is ``553 5.7.1``. DMARC (RFC 7489 §6.6.1) evaluates exactly one author domain, and a From
field a lenient parser would read differently from a mail program has none (``permerror``),
so an attacker's aligned domain can never pass for the displayed one.
"""

from __future__ import annotations

import base64

import pytest

from mailstore.mailauth.dmarc import NoAuthorDomain, author_domain
from tests.security.smtp_helpers import inbox, queued, still_serves
from tests.smtp.helpers import Transcript

PLAIN = base64.b64encode(b"\0bob@example.org\0secret").decode()
NOT_OWNED = "553 5.7.1 Sender address not owned by authenticated user"
FROM_NOT_OWNED = "553 5.7.1 From: header address not owned by authenticated user"
OK = "250 2.1.0 Sender OK"


async def _submission(port: int, tls) -> Transcript:  # type: ignore[no-untyped-def]
    t = await Transcript.open(port)
    await t.command("EHLO laptop.example.net")
    assert (await t.command("STARTTLS")).startswith("220")
    await t.starttls(tls)
    await t.command("EHLO laptop.example.net")
    assert (await t.command(f"AUTH PLAIN {PLAIN}")).startswith("235 2.7.0")
    return t


@pytest.fixture
async def others(store, account):  # type: ignore[no-untyped-def]
    """carol (another user), info@ (bob's alias), a catch-all to bob, and another domain."""
    await store.directory.add_domain("example.com")
    await store.directory.add_account("carol@example.org", "pw")
    await store.directory.add_account("carol@example.com", "pw")
    await store.directory.add_alias("info@example.org", ["bob@example.org"])
    await store.directory.add_alias("@example.org", ["bob@example.org"])


#: MAIL FROM argument -> exact reply, for bob@example.org.
ENVELOPE_SENDERS = {
    "<bob@example.org>": OK,
    "<BOB@Example.ORG>": OK,
    "<bob+lists@example.org>": OK,
    "<info@example.org>": OK,
    "<>": OK,  # the null sender (RFC 5321 §4.5.5)
    "<carol@example.org>": NOT_OWNED,
    "<CAROL@EXAMPLE.ORG>": NOT_OWNED,
    "<carol+bob@example.org>": NOT_OWNED,
    "<bob@example.com>": NOT_OWNED,  # the same local part in another of our domains
    "<carol@example.com>": NOT_OWNED,
    "<random@example.org>": NOT_OWNED,  # claimable only through the catch-all: never
    "<bob@example.net>": NOT_OWNED,
    '<"bob"@example.org>': OK,  # the same address, quoted (RFC 5321 §4.1.2)
    '<"carol@example.org"@example.org>': NOT_OWNED,
    "<bob%example.net@example.org>": NOT_OWNED,
    "<example.net!bob@example.org>": NOT_OWNED,
    "<@example.org:carol@example.net>": NOT_OWNED,
    "<carol@example.org.>": "553 5.1.3 Error: malformed address",
    "<bob@example.org@example.net>": "553 5.1.3 Error: malformed address",
    "<carol@[127.0.0.1]>": NOT_OWNED,
}


async def test_envelope_sender(smtp_service, ports, store, others, client_tls):
    t = await _submission(ports.submission, client_tls)
    got = {}
    try:
        for sender, _ in ENVELOPE_SENDERS.items():
            got[sender] = await t.command(f"MAIL FROM:{sender}")
            assert await t.command("RSET") == "250 2.0.0 OK"
    finally:
        await t.close()
    assert got == ENVELOPE_SENDERS
    assert await queued(store) == []


#: From: field value -> may bob@example.org send it.
FROM_FIELDS = {
    "bob@example.org": True,
    "Bob <bob@example.org>": True,
    '"carol@example.org" <bob@example.org>': True,  # display text, not an address
    "bob@example.org (carol@example.org)": True,  # a comment, likewise
    "Info <info@example.org>, bob+x@example.org": True,
    "carol@example.org": False,
    "Carol <CAROL@example.org>": False,
    "bob@example.org, carol@example.org": False,
    "carol@example.org <bob@example.org>": False,  # unquoted: two addresses
    "carol@example.org@example.net": False,
    "bob@example.org@example.net": False,
    "<bob@example.org>carol@example.org": False,
    "Bob <bob@example.org> <carol@example.org>": False,
    "bob@example.org\x00@example.net": False,
    '"bob@example.org"@example.net': False,
    "carol(@example.net)@example.org": False,
    "=?utf-8?q?bob@example.org?= <carol@example.org>": False,
    "group: bob@example.org, carol@example.org;": False,
    "random@example.org": False,
    "": True,  # no address: nobody is impersonated
}


async def test_from_field(smtp_service, ports, store, account, others, client_tls):
    carol = await store.directory.get_account("carol@example.org")
    t = await _submission(ports.submission, client_tls)
    got = {}
    try:
        for value in FROM_FIELDS:
            assert await t.command("MAIL FROM:<bob@example.org>") == OK
            assert (await t.command("RCPT TO:<carol@example.org>")).startswith("250 2.1.5")
            assert (await t.command("DATA")).startswith("354")
            await t.send(f"From: {value}\r\nSubject: s\r\n\r\nbody\r\n.\r\n".encode())
            reply = (await t.reply())[-1]
            assert reply.startswith("250 2.0.0") or reply == FROM_NOT_OWNED, reply
            got[value] = reply.startswith("250")
    finally:
        await t.close()
    assert got == FROM_FIELDS
    assert len(await inbox(store, carol.id)) == sum(FROM_FIELDS.values())
    await still_serves(ports.smtp)


async def test_several_from_fields(smtp_service, ports, store, others, client_tls):
    t = await _submission(ports.submission, client_tls)
    try:
        for fields in [
            b"From: bob@example.org\r\nFrom: carol@example.org\r\n",
            b"From: bob@example.org\r\nFROM : carol@example.org\r\n",
            b"From: bob@example.org,\r\n carol@example.org\r\n",
        ]:
            assert await t.command("MAIL FROM:<bob@example.org>") == OK
            assert (await t.command("RCPT TO:<carol@example.org>")).startswith("250")
            assert (await t.command("DATA")).startswith("354")
            await t.send(fields + b"Subject: s\r\n\r\nbody\r\n.\r\n")
            assert (await t.reply())[-1] == FROM_NOT_OWNED
    finally:
        await t.close()


#: From field -> the one DMARC author domain, or None (no single author domain: permerror).
AUTHOR_DOMAINS = {
    "alice@bank.example": "bank.example",
    "Alice <alice@bank.example>": "bank.example",
    '"alice@bank.example" <evil@attacker.example>': "attacker.example",  # display name only
    "evil@attacker.example (alice@bank.example)": "attacker.example",
    '"alice@attacker.example"@bank.example': "bank.example",
    "alice(@attacker.example)@bank.example": "bank.example",
    "=?utf-8?b?YWxpY2VAYmFuay5leGFtcGxl?= <evil@attacker.example>": "attacker.example",
    "Alice <@relay.example:alice@bank.example>": "bank.example",
    "alice@bank.example, bob@bank.example": "bank.example",
    # ambiguous: a lenient parser picks one domain, a mail program may show the other
    "alice@bank.example@attacker.example": None,
    "alice@bank.example <evil@attacker.example>": None,
    "alice@bank.example <evil@attacker.example": None,
    "<alice@bank.example>evil@attacker.example": None,
    "Alice <alice@bank.example> <evil@attacker.example>": None,
    "evil@attacker.example <alice@bank.example>": None,
    "alice@bank.example\x00@attacker.example": None,
    'alice@bank.example"<evil@attacker.example>"': None,
    "=?utf-8?q?alice@bank.example?= <evil@attacker.example>": None,
    "alice@bank.example, evil@attacker.example": None,  # two domains (RFC 7489 §6.6.1)
    "group: alice@bank.example, evil@attacker.example;": None,
    "alice@[192.0.2.1]": None,
    "": None,
}


@pytest.mark.parametrize("value", AUTHOR_DOMAINS, ids=range(len(AUTHOR_DOMAINS)))
def test_dmarc_author_domain(value):
    raw = f"From: {value}\r\nSubject: x\r\n\r\nbody\r\n".encode()
    try:
        domain: str | None = author_domain(raw)
    except NoAuthorDomain:
        domain = None
    assert domain == AUTHOR_DOMAINS[value]


async def test_control_characters_never_reach_the_queue(
    smtp_service, ports, store, account, client_tls
):
    """A CR, ESC or NUL in an address would be repeated in the next hop's RCPT TO or a bounce's
    MAIL FROM (command injection): refused at RCPT (and at MAIL, see test_smtp_limits)."""
    t = await _submission(ports.submission, client_tls)
    try:
        assert await t.command("MAIL FROM:<bob@example.org>") == OK
        for address in (b"<a\rb@example.net>", b"<a\x1bb@example.net>", b"<a\x00b@example.net>"):
            assert (
                await t.command(b"RCPT TO:" + address) == "553 5.1.3 Bad recipient address syntax"
            )
        assert await t.command(b"MAIL FROM:<bob\r@example.org>") == (
            "503 5.5.1 nested MAIL command"
        )
        assert await t.command("RSET") == "250 2.0.0 OK"
        assert await t.command(b"MAIL FROM:<bob\r@example.org>") == (
            "553 5.1.7 Bad sender address syntax"
        )
    finally:
        await t.close()
    assert await queued(store) == []
