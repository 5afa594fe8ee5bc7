"""Open-relay address tricks on the MX (port 25): nothing is relayed or queued for a foreign
domain, whatever the shape of the recipient address (RFC 5321 §3.6.2, §4.1.3, RFC 2505 §2).

Our domain is example.org; example.net is foreign. Each recipient is refused with a 5xx reply,
or (only when a local catch-all exists) accepted and stored locally; in no case does a row
appear in the outbound queue.
"""

from __future__ import annotations

import pytest

from tests.security.smtp_helpers import HEADER, inbox, queued, session, still_serves

RELAY_DENIED = "554 5.7.1 Relay access denied"
UNKNOWN = "550 5.1.1 No such user here"
MALFORMED = "553 5.1.3 Error: malformed address"  # aiosmtpd's own wording
SYNTAX = "501 5.5.4 Syntax: RCPT TO: <address> [SP <mail-parameters>]"
BAD_SYNTAX = "553 5.1.3 Bad recipient address syntax"
NEEDS_UTF8 = "553 5.6.7 Non-ASCII address requires SMTPUTF8"

#: RCPT TO argument -> exact reply (no catch-all in example.org).
TRICKS = {
    # quoted local parts naming a foreign address
    '<"user@example.net"@example.org>': UNKNOWN,
    '<"user@example.net">': BAD_SYNTAX,
    '<"bob@example.org"@example.net>': RELAY_DENIED,
    # "%" and "!" routing (RFC 2505 §2.4: never interpreted)
    "<user%example.net@example.org>": UNKNOWN,
    "<example.net!user@example.org>": UNKNOWN,
    "<user%example.net>": BAD_SYNTAX,
    "<example.net!user>": BAD_SYNTAX,
    # source routes: ignored (RFC 5321 §4.1.1.3, §C); the final domain decides
    "<@example.org:user@example.net>": RELAY_DENIED,
    "<@example.org,@mx.example.org:user@example.net>": RELAY_DENIED,
    "<@example.net:bob@example.org>": "250 2.1.5 Recipient OK",
    # address literals, our own address included
    "<user@[127.0.0.1]>": BAD_SYNTAX,
    "<user@[IPv6:::1]>": BAD_SYNTAX,
    "<bob@[127.0.0.1]>": BAD_SYNTAX,
    # trailing dots, case, IDN
    "<user@example.net.>": MALFORMED,
    "<user@EXAMPLE.NET>": RELAY_DENIED,
    "<user@Example.Net.>": MALFORMED,
    "<user@xn--exmple-cua.net>": RELAY_DENIED,
    "<user@exämple.net>": NEEDS_UTF8,
    "<user@example.org.example.net>": RELAY_DENIED,
    # two at signs, stray characters
    "<bob@example.org@example.net>": MALFORMED,
    "<user@example.net@example.org>": MALFORMED,
    "<user@example.net>@example.org": SYNTAX,
    "user@example.net": RELAY_DENIED,
    "<user@example.net> SIZE=10": "555 5.5.4 RCPT TO parameters not recognized or not implemented",
}


async def _attempt(port: int, tricks: dict[str, str], utf8: bool = False) -> dict[str, str]:
    """RCPT each address in one transaction; DATA if any was accepted. Replies by address."""
    t = await session(port)
    got = {}
    try:
        mail = "MAIL FROM:<alice@example.com>" + (" SMTPUTF8" if utf8 else "")
        assert (await t.command(mail)).startswith("250 2.1.0")
        for address in tricks:
            got[address] = await t.command(f"RCPT TO:{address}")
        if any(reply.startswith("250") for reply in got.values()):
            assert (await t.command("DATA")).startswith("354 ")
            await t.send(HEADER + b"\r\n.\r\n")
            assert (await t.reply())[-1].startswith("250 2.0.0")
    finally:
        await t.close()
    return got


async def test_tricks_are_refused_and_nothing_is_queued(smtp_service, ports, store, account):
    assert await _attempt(ports.smtp, TRICKS) == TRICKS
    assert await queued(store) == []
    assert len(await inbox(store, account.id)) == 1  # the source-routed bob@example.org only
    await still_serves(ports.smtp)


async def test_idn_with_smtputf8_is_still_foreign(smtp_service, ports, store, account):
    tricks = {
        "<user@exämple.net>": RELAY_DENIED,
        "<user@EXÄMPLE.NET.>": MALFORMED,
        "<ü@example.net>": RELAY_DENIED,
    }
    assert await _attempt(ports.smtp, tricks, utf8=True) == tricks
    assert await queued(store) == []


async def test_with_a_catch_all_tricks_stay_local(smtp_service, ports, store, account):
    """A catch-all makes odd local parts deliverable, but only to the local account."""
    await store.directory.add_alias("@example.org", ["bob@example.org"])
    accepted = "250 2.1.5 Recipient OK"
    tricks = {
        '<"user@example.net"@example.org>': accepted,
        "<user%example.net@example.org>": accepted,
        "<example.net!user@example.org>": accepted,
        "<@example.org:user@example.net>": RELAY_DENIED,
        "<user@example.net.>": MALFORMED,
    }
    assert await _attempt(ports.smtp, tricks) == tricks
    assert await queued(store) == []
    (raw,) = await inbox(store, account.id)
    assert raw.endswith(HEADER + b"\r\n")


@pytest.mark.parametrize("helo", ["example.org", "[127.0.0.1]", "localhost", "mx.example.org"])
async def test_pretending_to_be_us_does_not_open_the_relay(
    smtp_service, ports, store, account, helo
):
    t = await session(ports.smtp, helo=helo)
    try:
        assert (await t.command("MAIL FROM:<bob@example.org>")).startswith("250 2.1.0")
        assert await t.command("RCPT TO:<user@example.net>") == RELAY_DENIED
    finally:
        await t.close()
    assert await queued(store) == []
