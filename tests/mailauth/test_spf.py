"""SPF (RFC 7208) through pyspf, with every lookup going to the loopback DNS server."""

from __future__ import annotations

import pytest

from mailstore.mailauth.spf import SPFResult, check_helo, check_mail_from
from tests.dnsserver import DNSServer

ZONE = {
    "example.com": (
        "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a:mail.example.com mx"
        " include:_spf.partner.example -all"
    ),
    "_spf.partner.example": "v=spf1 ip4:198.51.100.64/26 -all",
    "soft.example": "v=spf1 ip4:192.0.2.1 ~all",
    "neutral.example": "v=spf1 ?all",
    "redirect.example": "v=spf1 redirect=example.com",
    "syntax.example": "v=spf1 ip4:192.0.2.1 bogus:thing -all",
    "exp.example": "v=spf1 -all exp=explain.exp.example",
    "explain.exp.example": "Not our server: %{i}",
    "helo.example": "v=spf1 a -all",
    "broken-include.example": "v=spf1 include:broken.example -all",
}


@pytest.fixture
def zone(dns_server: DNSServer) -> DNSServer:
    for name, record in ZONE.items():
        dns_server.set_txt(name, record)
    dns_server.set("mail.example.com", "A", ["198.51.100.7"])
    dns_server.set("example.com", "MX", ["10 mx1.example.com."])
    dns_server.set("mx1.example.com", "A", ["203.0.113.5"])
    dns_server.set("mx1.example.com", "AAAA", ["2001:db8:ffff::5"])
    dns_server.set("helo.example", "A", ["192.0.2.77"])
    dns_server.set_txt("notspf.example", "google-site-verification=abc")
    return dns_server


async def mail_from(resolver, ip: str, sender: str, helo: str = "client.example") -> SPFResult:
    return await check_mail_from(resolver, client_ip=ip, mail_from=sender, helo=helo)


@pytest.mark.parametrize(
    ("ip", "mechanism"),
    [
        ("192.0.2.10", "ip4"),
        ("2001:db8::25", "ip6"),
        ("198.51.100.7", "a"),
        ("203.0.113.5", "mx"),
        ("198.51.100.70", "include"),
    ],
)
async def test_pass(zone, resolver, ip: str, mechanism: str) -> None:
    r = await mail_from(resolver, ip, "alice@example.com")
    assert (r.result, r.domain, r.identity, r.sender) == (
        "pass",
        "example.com",
        "mailfrom",
        "alice@example.com",
    ), mechanism


async def test_fail(zone, resolver) -> None:
    r = await mail_from(resolver, "203.0.113.99", "alice@example.com")
    assert r.result == "fail"


async def test_fail_carries_the_domain_explanation(zone, resolver) -> None:
    r = await mail_from(resolver, "203.0.113.99", "bob@exp.example")
    assert (r.result, r.explanation) == ("fail", "Not our server: 203.0.113.99")


async def test_softfail_and_neutral(zone, resolver) -> None:
    assert (await mail_from(resolver, "192.0.2.2", "a@soft.example")).result == "softfail"
    assert (await mail_from(resolver, "192.0.2.1", "a@soft.example")).result == "pass"
    assert (await mail_from(resolver, "192.0.2.2", "a@neutral.example")).result == "neutral"


async def test_redirect(zone, resolver) -> None:
    assert (await mail_from(resolver, "192.0.2.10", "a@redirect.example")).result == "pass"
    assert (await mail_from(resolver, "203.0.113.99", "a@redirect.example")).result == "fail"


async def test_none(zone, resolver) -> None:
    assert (await mail_from(resolver, "192.0.2.1", "a@notspf.example")).result == "none"
    assert (await mail_from(resolver, "192.0.2.1", "a@nxdomain.example")).result == "none"
    # RFC 7208 §4.3: a malformed or single-label domain is "none" without any lookup.
    assert (await mail_from(resolver, "192.0.2.1", "a@localhost")).result == "none"
    assert (await mail_from(resolver, "192.0.2.1", "a@bad..example")).result == "none"


async def test_permerror_syntax_and_duplicate_records(zone, resolver) -> None:
    assert (await mail_from(resolver, "192.0.2.1", "a@syntax.example")).result == "permerror"
    zone.set_txt("two.example", "v=spf1 -all", "v=spf1 +all")
    assert (await mail_from(resolver, "192.0.2.1", "a@two.example")).result == "permerror"


async def test_permerror_too_many_lookups(zone, resolver) -> None:
    # RFC 7208 §4.6.4: more than 10 DNS-querying terms.
    for i in range(12):
        zone.set_txt(f"l{i}.loop.example", f"v=spf1 include:l{i + 1}.loop.example -all")
    zone.set_txt("l12.loop.example", "v=spf1 +all")
    r = await mail_from(resolver, "192.0.2.1", "a@l0.loop.example")
    assert r.result == "permerror"
    assert "Too many DNS lookups" in r.explanation


async def test_permerror_void_lookups(zone, resolver) -> None:
    # RFC 7208 §4.6.4: more than two lookups returning nothing.
    zone.set_txt(
        "void.example", "v=spf1 a:n1.void.example a:n2.void.example a:n3.void.example -all"
    )
    r = await mail_from(resolver, "192.0.2.1", "a@void.example")
    assert r.result == "permerror"


async def test_temperror_servfail(zone, resolver) -> None:
    zone.servfail.add("broken.example")
    r = await mail_from(resolver, "192.0.2.1", "a@broken-include.example")
    assert r.result == "temperror"


async def test_temperror_silent_server(silent_resolver) -> None:
    r = await mail_from(silent_resolver, "192.0.2.1", "alice@example.com")
    assert r.result == "temperror"


async def test_helo_identity(zone, resolver) -> None:
    r = await check_helo(resolver, client_ip="192.0.2.77", helo="helo.example")
    assert (r.result, r.domain, r.identity, r.sender) == (
        "pass",
        "helo.example",
        "helo",
        "helo.example",
    )
    r = await check_helo(resolver, client_ip="192.0.2.78", helo="helo.example")
    assert r.result == "fail"


async def test_helo_literal_or_single_label_is_none(zone, resolver) -> None:
    for helo in ("[192.0.2.77]", "localhost", ""):
        r = await check_helo(resolver, client_ip="192.0.2.77", helo=helo)
        assert r.result == "none", helo
    assert zone.queries == []


async def test_null_sender_checks_helo(zone, resolver) -> None:
    # RFC 7208 §2.4: with MAIL FROM:<> the identity is postmaster@<HELO>.
    r = await mail_from(resolver, "192.0.2.77", "", helo="helo.example")
    assert (r.result, r.identity, r.domain) == ("pass", "helo", "helo.example")


async def test_temperror_silent_server_helo(silent_resolver) -> None:
    r = await check_helo(silent_resolver, client_ip="192.0.2.1", helo="helo.example")
    assert r.result == "temperror"


async def test_sender_without_local_part_and_ipv4_mapped(zone, resolver) -> None:
    r = await mail_from(resolver, "::ffff:192.0.2.10", "example.com")
    assert (r.result, r.domain) == ("pass", "example.com")


async def test_invalid_client_ip_does_not_raise(zone, resolver) -> None:
    r = await mail_from(resolver, "not-an-ip", "alice@example.com")
    assert r.result == "permerror"


async def test_non_ascii_record_is_permerror(zone, resolver) -> None:
    zone.set_txt("utf8.example", "v=spf1 ip4:192.0.2.1 exp=é -all".encode())
    assert (await mail_from(resolver, "192.0.2.1", "a@utf8.example")).result == "permerror"
