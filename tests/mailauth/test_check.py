"""check_message: SPF, DKIM and DMARC of one message together, as the MX will call it."""

from __future__ import annotations

import pytest

from mailstore.mailauth.check import check_message
from mailstore.mailauth.dkim import public_key_record, sign
from mailstore.mailauth.results import (
    authentication_results_header,
    strip_forged_authentication_results,
)
from tests.dnsserver import DNSServer
from tests.mailauth.helpers import message


@pytest.fixture
def zone(dns_server: DNSServer, rsa_key: bytes) -> DNSServer:
    dns_server.set_txt("example.com", "v=spf1 ip4:192.0.2.0/24 -all")
    dns_server.set_txt("sel._domainkey.example.com", public_key_record(rsa_key))
    dns_server.set_txt("_dmarc.example.com", "v=DMARC1; p=reject")
    dns_server.set_txt("mail.example.net", "v=spf1 ip4:203.0.113.1 -all")
    return dns_server


async def test_legitimate_message(zone, resolver, rsa_key) -> None:
    raw = message()
    raw = sign(raw, "sel", "example.com", rsa_key) + raw
    results = await check_message(
        resolver,
        client_ip="192.0.2.25",
        helo="mail.example.com",
        mail_from="alice@example.com",
        raw=raw,
    )
    assert results.spf is not None and results.dmarc is not None
    assert (results.spf.result, [d.result for d in results.dkim], results.dmarc.result) == (
        "pass",
        ["pass"],
        "pass",
    )
    assert authentication_results_header("mx.example.org", results) == (
        "Authentication-Results: mx.example.org;\r\n"
        "\tspf=pass smtp.mailfrom=alice@example.com;\r\n"
        "\tdkim=pass header.d=example.com header.s=sel;\r\n"
        "\tdmarc=pass header.from=example.com\r\n"
    )


async def test_forwarded_message_passes_on_dkim(zone, resolver, rsa_key) -> None:
    raw = message()
    raw = sign(raw, "sel", "example.com", rsa_key) + raw
    results = await check_message(
        resolver,
        client_ip="203.0.113.1",
        helo="mail.example.net",
        mail_from="fwd@example.com",
        raw=raw,
    )
    assert results.spf is not None and results.dmarc is not None
    assert (results.spf.result, results.dmarc.result) == ("fail", "pass")


async def test_spoofed_message_is_rejected(zone, resolver) -> None:
    raw = message()
    results = await check_message(
        resolver, client_ip="203.0.113.9", helo="evil.example", mail_from="x@evil.example", raw=raw
    )
    assert results.dmarc is not None
    assert (results.dmarc.result, results.dmarc.policy) == ("fail", "reject")
    assert results.dkim == ()


async def test_null_sender_uses_helo(zone, resolver) -> None:
    results = await check_message(
        resolver, client_ip="203.0.113.1", helo="mail.example.net", mail_from="", raw=message()
    )
    assert results.spf is not None
    assert (results.spf.result, results.spf.identity) == ("pass", "helo")
    assert "\tspf=pass smtp.helo=mail.example.net;\r\n" in authentication_results_header(
        "mx.example.org", results
    )


async def test_forged_header_replaced(zone, resolver, rsa_key) -> None:
    forged = b"Authentication-Results: mx.example.org; dmarc=pass header.from=example.com\r\n"
    raw = forged + message()
    results = await check_message(
        resolver, client_ip="203.0.113.9", helo="evil.example", mail_from="x@evil.example", raw=raw
    )
    stored = authentication_results_header("mx.example.org", results).encode() + (
        strip_forged_authentication_results(raw, "mx.example.org")
    )
    assert stored.count(b"Authentication-Results:") == 1
    assert b"dmarc=fail header.from=example.com" in stored
    assert stored.endswith(message())


async def test_no_from_is_dmarc_permerror(zone, resolver) -> None:
    raw = b"Subject: hi\r\n\r\nbody\r\n"
    results = await check_message(
        resolver,
        client_ip="192.0.2.25",
        helo="mail.example.com",
        mail_from="alice@example.com",
        raw=raw,
    )
    assert results.dmarc is not None and results.spf is not None
    assert (results.spf.result, results.dmarc.result) == ("pass", "permerror")


async def test_dns_down_is_temperror_everywhere(silent_resolver, rsa_key) -> None:
    raw = message()
    raw = sign(raw, "sel", "example.com", rsa_key) + raw
    results = await check_message(
        silent_resolver,
        client_ip="192.0.2.25",
        helo="h.example",
        mail_from="a@example.com",
        raw=raw,
    )
    assert results.spf is not None and results.dmarc is not None
    assert (results.spf.result, results.dkim[0].result, results.dmarc.result) == (
        "temperror",
        "temperror",
        "temperror",
    )
    # The field says what failed, not how (no resolver addresses or library messages).
    assert authentication_results_header("mx.example.org", results) == (
        "Authentication-Results: mx.example.org;\r\n"
        "\tspf=temperror smtp.mailfrom=a@example.com;\r\n"
        '\tdkim=temperror reason="key lookup failed temporarily"\r\n'
        "\t  header.d=example.com header.s=sel;\r\n"
        '\tdmarc=temperror reason="DNS lookup failed" header.from=example.com\r\n'
    )
